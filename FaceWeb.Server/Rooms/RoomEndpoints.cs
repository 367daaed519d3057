using FaceWeb.Server.Persistence;

namespace FaceWeb.Server.Rooms;

/// <summary>A room's downloads. Each is reachable only with a working link (any role); a bad one gets the same answer as
/// no room, and a database that cannot be read says so (503).</summary>
public static class RoomEndpoints
{
    public static void MapRoomDownloads(this WebApplication app)
    {
        app.MapGet("/room/{token}/export.zip", (string token, RoomStore rooms, RoomArchive archive, CancellationToken ct) =>
            Download(async () => Results.File(await archive.ExportAsync(await rooms.ResolveAsync(token, ct), ct), "application/zip", "faceweb-room.zip")));
        app.MapGet("/room/{token}/sheet.png", (string token, RoomStore rooms, RoomArchive archive, CancellationToken ct) =>
            Download(async () => Results.File(await archive.SheetAsync(await rooms.ResolveAsync(token, ct), ct), "image/png", "faceweb-room.png")));
    }

    static async Task<IResult> Download(Func<Task<IResult>> make)
    {
        try { return await make(); }
        catch (RoomNotFoundException e) { return Results.NotFound(e.Message); }
        catch (ArgumentException e) { return Results.BadRequest(e.Message); }
        catch (Exception e) when (StorageErrors.Explain(e, "The room cannot be read") is { } s) { return Results.Problem(s.Message, statusCode: 503); }
    }
}
