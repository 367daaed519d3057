using FaceWeb.Server;
using FaceWeb.Server.Cluster;
using FaceWeb.Server.Components;
using FaceWeb.Server.Rooms;

var builder = WebApplication.CreateBuilder(args);
var role = ClusterSettings.Role(builder.Configuration);   // all (default), web, engine or balancer: docs/deploy.md
if (role == ServerRole.Balancer)
{
    var balancer = builder.AddBalancer().Build();
    balancer.MapReverseProxy();
    balancer.Run();
    return;
}
builder.WebHost.UseStaticWebAssets();   // MudBlazor's assets also when run from the build output in Production
builder.AddFaceWeb();
if (role == ServerRole.Engine) builder.AddEngineSilo();
if (role == ServerRole.Web) builder.AddWebFrontEnd();

var app = builder.Build();
app.MapGet("/healthz", (EngineHost host) =>
    Results.Ok(new { ready = role == ServerRole.Web || host.Ready.IsCompletedSuccessfully, role = role.ToString().ToLowerInvariant() }));
if (role != ServerRole.Engine)
{
    if (!app.Environment.IsDevelopment())
    {
        app.UseExceptionHandler("/error", createScopeForErrors: true);
    }
    app.UseFaceWebHardening();
    app.UseSessionCookie();
    app.UseFrontEndCookie();
    app.UseAntiforgery();
    app.MapStaticAssets();
    app.MapRazorComponents<App>()
       .AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null)   // our one CSP says frame-ancestors 'none' (Hardening)
       .AddAdditionalAssemblies(typeof(FaceWeb.Components.Generate.GeneratePage).Assembly);
    app.MapRoomDownloads();
}
app.Run();
