using FaceWeb.Server;
using FaceWeb.Server.Components;

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
// A room's export is reachable only with a working link (any role); a bad one gets the same answer as no room.
app.MapGet("/room/{token}/export.zip", async (string token, FaceWeb.Server.Rooms.RoomStore rooms, FaceWeb.Server.Rooms.RoomArchive archive, CancellationToken ct) =>
{
    try { return Results.File(await archive.ExportAsync(await rooms.ResolveAsync(token, ct), ct), "application/zip", "faceweb-room.zip"); }
    catch (FaceWeb.Server.Rooms.RoomNotFoundException e) { return Results.NotFound(e.Message); }
});
app.MapGet("/room/{token}/sheet.png", async (string token, FaceWeb.Server.Rooms.RoomStore rooms, FaceWeb.Server.Rooms.RoomArchive archive, CancellationToken ct) =>
{
    try { return Results.File(await archive.SheetAsync(await rooms.ResolveAsync(token, ct), ct), "image/png", "faceweb-room.png"); }
    catch (FaceWeb.Server.Rooms.RoomNotFoundException e) { return Results.NotFound(e.Message); }
    catch (ArgumentException e) { return Results.BadRequest(e.Message); }
});
app.MapGet("/healthz", (EngineHost host) => Results.Ok(new { ready = host.Ready.IsCompletedSuccessfully }));

app.Run();
