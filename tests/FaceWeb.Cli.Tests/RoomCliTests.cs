using FaceWeb.Components.Services;
using FaceWeb.Server.Persistence;
using FaceWeb.Server.Rooms;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceWeb.Cli.Tests;

/// <summary>`faceweb room list|export|import` as a separate process against the app's SQLite database in a data folder.</summary>
public sealed class RoomCliTests : IDisposable
{
    readonly string tmp = Directory.CreateTempSubdirectory("faceweb-cli-rooms-").FullName;
    static CancellationToken T => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(tmp, recursive: true);

    static (int Code, string Out, string Err) Faceweb(params string[] args) => CliTests.Faceweb(args);

    static async Task<RoomStore> Store(string data)
    {
        var db = new Database(null, data);
        await db.MigrateAsync(T);
        return new RoomStore(db, new InProcessRoomEvents(NullLogger<InProcessRoomEvents>.Instance), TimeProvider.System, new ConfigurationBuilder().Build());
    }

    static byte[] Png()
    {
        using var img = new Image<Rgb24>(4, 4, new Rgb24(200, 10, 10));
        using var ms = new MemoryStream();
        img.SaveAsPng(ms);
        return ms.ToArray();
    }

    [Fact]
    public async Task A_room_lists_exports_by_link_or_id_and_imports_into_another_database_with_its_tree()
    {
        string data = Path.Combine(tmp, "data"), other = Path.Combine(tmp, "other");
        var store = await Store(data);
        var (roomId, token) = await store.CreateAsync("[red]R[/]", "Ada", T);
        var a = await store.ResolveAsync(token, T);
        long root = await store.PostNodeAsync(a, "m", new NewNode(null, "generate", "session face", "{}", "pack", "hash", [1, 2, 3, 4], 2, 2, Png(), "Ada"), T);
        long child = await store.PostNodeAsync(a, "m", new NewNode(root, "slider", "InterFaceGAN", "{\"moves\":{\"age\":2}}", "pack", "hash", [5, 6, 7, 8], 2, 2, Png(), "Ada"), T);
        await store.CommentAsync(a, "m", child, "Ada", "older, yes", 0.5, 0.25, null, T);

        var (code, json, err) = Faceweb("room", "list", "--data", data, "--json");
        Assert.True(code == 0, err);
        Assert.Contains($"\"id\":\"{roomId}\"", json);
        Assert.Contains("\"nodes\":2,\"comments\":1,\"workingLinks\":1", json);
        Assert.DoesNotContain(token, json);                                       // tokens are never listed
        (code, string table, err) = Faceweb("room", "list", "--data", data);
        Assert.True(code == 0, err);
        Assert.Contains("[red]R[/]", table);                                  // a title is text, not Spectre markup

        string byLink = Path.Combine(tmp, "by-link.zip"), byId = Path.Combine(tmp, "out", "by-id.zip");
        (code, _, err) = Faceweb("room", "export", $"http://localhost:5000/room/{token}", "--data", data, "--out", byLink);
        Assert.True(code == 0, err);
        (code, _, err) = Faceweb("room", "export", roomId.ToString(), "--data", data, "--out", byId);
        Assert.True(code == 0, err);
        Assert.Equal(new FileInfo(byLink).Length, new FileInfo(byId).Length);

        (code, string imported, err) = Faceweb("room", "import", byLink, "--data", other, "--owner", "Grace");
        Assert.True(code == 0, err);
        Assert.StartsWith("/room/", imported.Trim());
        var copy = await Store(other);
        var b = await copy.ResolveAsync(imported.Trim()["/room/".Length..], T);
        Assert.Equal(RoomRole.Owner, b.Role);
        var snap = await copy.LoadAsync(b, T);
        Assert.Equal(("[red]R[/]", "Grace", 2), (snap.Title, snap.OwnerName, snap.Nodes.Count));
        Assert.Equal(snap.Nodes[0].Id, snap.Nodes[1].ParentId);                   // the same tree
        var node = await copy.NodeAsync(b, snap.Nodes[1].Id, T);
        Assert.Equal([5f, 6, 7, 8], node.Latent);
        Assert.Equal(("older, yes", 0.25), (node.Comments.Single().Text, node.Comments.Single().PinY));
    }

    [Fact]
    public async Task Wrong_rooms_missing_databases_and_bad_archives_exit_2_with_the_reason()
    {
        string data = Path.Combine(tmp, "data");
        await Store(data);
        var (code, _, err) = Faceweb("room", "export", "not-a-token", "--data", data, "--out", Path.Combine(tmp, "x.zip"));
        Assert.Equal((2, "error: No such room: the link is wrong, revoked or expired, or the room was deleted."), (code, err.Trim()));
        Assert.False(File.Exists(Path.Combine(tmp, "x.zip")));
        (code, _, err) = Faceweb("room", "export", Guid.NewGuid().ToString(), "--data", data, "--out", Path.Combine(tmp, "x.zip"));
        Assert.Equal(2, code);
        Assert.Contains("No such room", err);
        (code, _, err) = Faceweb("room", "list", "--data", Path.Combine(tmp, "nowhere"));
        Assert.Equal(2, code);
        Assert.Contains("No FaceWeb database", err);
        string notZip = Path.Combine(tmp, "notes.zip");
        await File.WriteAllTextAsync(notZip, "hello", T);
        (code, _, err) = Faceweb("room", "import", notZip, "--data", data);
        Assert.Equal((2, "error: That file is not a ZIP archive."), (code, err.Trim()));
        Assert.Empty(await (await Store(data)).ListAsync(T));                     // nothing was written
    }
}
