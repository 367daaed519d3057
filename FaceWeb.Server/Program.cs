using FaceWeb.Server;
using FaceWeb.Server.Components;
using FaceWeb.Server.Rooms;

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseStaticWebAssets();   // MudBlazor's assets also when run from the build output in Production
builder.AddFaceWeb();

var app = builder.Build();
if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/error", createScopeForErrors: true);
}
app.UseFaceWebHardening();
app.UseSessionCookie();
app.UseAntiforgery();
app.MapStaticAssets();
app.MapRazorComponents<App>()
   .AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null)   // our one CSP says frame-ancestors 'none' (Hardening)
   .AddAdditionalAssemblies(typeof(FaceWeb.Components.Generate.GeneratePage).Assembly);
app.MapRoomDownloads();
app.MapGet("/healthz", (EngineHost host) => Results.Ok(new { ready = host.Ready.IsCompletedSuccessfully }));

app.Run();
