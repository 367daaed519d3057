using FaceWeb.Components.Services;
using FaceWeb.Server.Persistence;
using FaceWeb.Server.Rooms;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FaceWeb.Server.Tests;

/// <summary>Review rooms in the database, on SQLite and on a real PostgreSQL: capability links and roles, nodes that
/// come back byte for byte, comments with pins and replies, one verdict per member, live events, limits, and writes
/// that leave nothing behind when they fail.</summary>
public sealed class RoomStoreTests : IDisposable
{
    static CancellationToken T => TestContext.Current.CancellationToken;
    readonly string data = Directory.CreateTempSubdirectory("faceweb-rooms-").FullName;
    readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    readonly InProcessRoomEvents events = new(NullLogger<InProcessRoomEvents>.Instance);

    public static TheoryData<string> Providers => ["sqlite", "postgres"];

    async Task<(RoomStore Store, Database Db)> Open(string provider, int writesPerMinute = 30)
    {
        var db = new Database(provider == "postgres" ? PostgresServer.Connection() : null, data);
        await db.MigrateAsync(T);
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["FaceWeb:RoomWritesPerMinute"] = $"{writesPerMinute}" }).Build();
        return (new RoomStore(db, events, clock, config), db);
    }

    static readonly byte[] Png = [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 1, 2, 3];

    static NewNode Node(long? parent = null, float seed = 1, string author = "Ada") =>
        new(parent, "edit", "global direction", """{"alpha":3,"target":"a smiling face"}""", "faceweb-mini", new string('a', 64),
            Enumerable.Range(0, 10 * 8).Select(i => seed * i / 7f).ToArray(), 10, 8, [.. Png, (byte)seed], author);

    [Theory, MemberData(nameof(Providers))]
    public async Task A_room_is_reached_only_through_a_working_link_and_every_bad_token_looks_the_same(string provider)
    {
        var (store, _) = await Open(provider);
        var (roomId, ownerToken) = await store.CreateAsync("Smile review", "Ada", T);
        var owner = await store.ResolveAsync(ownerToken, T);
        Assert.Equal((roomId, RoomRole.Owner), (owner.RoomId, owner.Role));
        Assert.Equal(22, ownerToken.Length);                                              // 128 random bits, base64url

        string viewerToken = await store.AddLinkAsync(owner, RoomRole.Viewer, null, T);
        string expiring = await store.AddLinkAsync(owner, RoomRole.Editor, clock.GetUtcNow().UtcDateTime.AddHours(1), T);
        var viewer = await store.ResolveAsync(viewerToken, T);
        Assert.Equal(RoomRole.Viewer, viewer.Role);
        Assert.Equal(RoomRole.Editor, (await store.ResolveAsync(expiring, T)).Role);

        clock.Advance(TimeSpan.FromHours(2));
        var messages = new List<string>();
        foreach (var bad in new[] { expiring, Secrets.NewToken(), "", "x", ownerToken + "x" })
            messages.Add((await Assert.ThrowsAsync<RoomNotFoundException>(() => store.ResolveAsync(bad, T))).Message);
        var revoked = new List<RoomEvent>();
        using (events.Subscribe(roomId, revoked.Add))
            await store.RevokeLinkAsync(owner, viewer.LinkId, T);
        messages.Add((await Assert.ThrowsAsync<RoomNotFoundException>(() => store.ResolveAsync(viewerToken, T))).Message);
        Assert.Single(messages.Distinct());                                               // wrong, expired, revoked: one answer
        Assert.Equal(new RoomEvent(roomId, RoomEventKind.LinkRevoked, LinkId: viewer.LinkId), Assert.Single(revoked));
        Assert.Equal([(false, false), (true, false), (false, true)],                      // owner, revoked viewer, expired editor
            (await store.LinksAsync(owner, T)).Select(l => (l.Revoked, l.Expires is not null)));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Viewers_read_editors_post_comment_and_vote_and_only_the_owner_manages_the_room(string provider)
    {
        var (store, db) = await Open(provider);
        var (roomId, ownerToken) = await store.CreateAsync("Review", "Ada", T);
        var owner = await store.ResolveAsync(ownerToken, T);
        var editor = await store.ResolveAsync(await store.AddLinkAsync(owner, RoomRole.Editor, null, T), T);
        var viewer = await store.ResolveAsync(await store.AddLinkAsync(owner, RoomRole.Viewer, null, T), T);

        long node = await store.PostNodeAsync(editor, "m-editor", Node(author: "Grace"), T);
        await Assert.ThrowsAsync<RoomForbiddenException>(() => store.PostNodeAsync(viewer, "m-viewer", Node(), T));
        await Assert.ThrowsAsync<RoomForbiddenException>(() => store.CommentAsync(viewer, "m-viewer", node, "Viv", "nice", ct: T));
        await Assert.ThrowsAsync<RoomForbiddenException>(() => store.VerdictAsync(viewer, "m-viewer", node, "Viv", VerdictValue.Approve, T));
        await Assert.ThrowsAsync<RoomForbiddenException>(() => store.RevokeLinkAsync(editor, viewer.LinkId, T));
        await Assert.ThrowsAsync<RoomForbiddenException>(() => store.RenameAsync(editor, "mine now", T));
        await Assert.ThrowsAsync<RoomForbiddenException>(() => store.DeleteAsync(editor, T));

        var seen = await store.LoadAsync(viewer, T);                                      // viewers read
        Assert.Equal(("Review", RoomRole.Viewer), (seen.Title, seen.Role));
        Assert.Equal(node, Assert.Single(seen.Nodes).Id);

        await store.RenameAsync(owner, "Review, round 2", T);
        Assert.Equal("Review, round 2", (await store.LoadAsync(editor, T)).Title);
        await store.DeleteAsync(owner, T);
        await using var check = db.Open();
        Assert.False(check.Rooms.Any(r => r.Id == roomId));
        Assert.False(check.RoomNodes.Any(n => n.RoomId == roomId));                       // its images and latents went with it
        Assert.False(check.RoomLinks.Any(l => l.RoomId == roomId));
        await Assert.ThrowsAsync<RoomNotFoundException>(() => store.ResolveAsync(ownerToken, T));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Nodes_form_a_tree_and_come_back_byte_for_byte_from_a_new_store(string provider)
    {
        var (store, db) = await Open(provider);
        var (_, token) = await store.CreateAsync("Tree", "Ada", T);
        var owner = await store.ResolveAsync(token, T);
        var posted = new List<RoomEvent>();
        using var sub = events.Subscribe(owner.RoomId, posted.Add);
        long root = await store.PostNodeAsync(owner, "m", Node(seed: 1), T);
        long child = await store.PostNodeAsync(owner, "m", Node(root, seed: 2), T);
        long sibling = await store.PostNodeAsync(owner, "m", Node(root, seed: 3), T);
        Assert.Equal([root, child, sibling], posted.Select(e => e.NodeId!.Value));

        var again = new RoomStore(db, events, clock, new ConfigurationBuilder().Build());     // a restart: nothing in memory
        var tree = await again.LoadAsync(await again.ResolveAsync(token, T), T);
        Assert.Equal([(root, (long?)null), (child, root), (sibling, root)], tree.Nodes.Select(n => (n.Id, n.ParentId)));
        var n2 = await again.NodeAsync(owner, child, T);
        Assert.Equal(Node(root, seed: 2).Latent, n2.Latent);
        Assert.Equal(Node(root, seed: 2).Png, n2.Png);
        Assert.Equal((10, 8, "faceweb-mini"), (n2.Layers, n2.Width, n2.PackName));
        Assert.Contains("a smiling face", n2.Parameters);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Bad_posts_are_refused_with_a_reason_and_leave_nothing_behind(string provider)
    {
        var (store, db) = await Open(provider);
        var (roomId, token) = await store.CreateAsync("Refusals", "Ada", T);
        var owner = await store.ResolveAsync(token, T);
        var (_, otherToken) = await store.CreateAsync("Other", "Bob", T);
        long foreign = await store.PostNodeAsync(await store.ResolveAsync(otherToken, T), "m", Node(), T);

        Assert.Contains("not in this room", (await Assert.ThrowsAsync<ArgumentException>(() => store.PostNodeAsync(owner, "m", Node(foreign), T))).Message);
        Assert.Contains("latent", (await Assert.ThrowsAsync<ArgumentException>(() => store.PostNodeAsync(owner, "m", Node() with { Layers = 3 }, T))).Message);
        Assert.Contains("latent", (await Assert.ThrowsAsync<ArgumentException>(() =>
            store.PostNodeAsync(owner, "m", Node() with { Latent = [.. Node().Latent[..^1], float.NaN] }, T))).Message);
        Assert.Contains("PNG", (await Assert.ThrowsAsync<ArgumentException>(() => store.PostNodeAsync(owner, "m", Node() with { Png = [1, 2, 3] }, T))).Message);
        Assert.Contains("JSON", (await Assert.ThrowsAsync<ArgumentException>(() => store.PostNodeAsync(owner, "m", Node() with { Parameters = "{alpha" }, T))).Message);
        Assert.Contains("kind", (await Assert.ThrowsAsync<ArgumentException>(() => store.PostNodeAsync(owner, "m", Node() with { Kind = "magic" }, T))).Message);
        Assert.Contains("at most 40", (await Assert.ThrowsAsync<ArgumentException>(() => store.PostNodeAsync(owner, "m", Node(author: new string('x', 41)), T))).Message);
        Assert.Contains("at most 120", (await Assert.ThrowsAsync<ArgumentException>(() => store.CreateAsync(new string('t', 121), "Ada", T))).Message);
        await using (var check = db.Open()) Assert.False(check.RoomNodes.Any(n => n.RoomId == roomId));

        long node = await store.PostNodeAsync(owner, "m", Node(), T);
        Assert.Contains("at most 2000", (await Assert.ThrowsAsync<ArgumentException>(() => store.CommentAsync(owner, "m", node, "Ada", new string('c', 2001), ct: T))).Message);
        Assert.Contains("pin", (await Assert.ThrowsAsync<ArgumentException>(() => store.CommentAsync(owner, "m", node, "Ada", "here", 1.5, 0.2, ct: T))).Message);
        Assert.Contains("pin", (await Assert.ThrowsAsync<ArgumentException>(() => store.CommentAsync(owner, "m", node, "Ada", "here", 0.5, null, ct: T))).Message);
        Assert.Contains("not on this node", (await Assert.ThrowsAsync<ArgumentException>(() => store.CommentAsync(owner, "m", node, "Ada", "re", replyTo: 999_999, ct: T))).Message);
        Assert.Contains("not in this room", (await Assert.ThrowsAsync<ArgumentException>(() => store.CommentAsync(owner, "m", foreign, "Ada", "hi", ct: T))).Message);
        await using (var check = db.Open()) Assert.False(check.RoomComments.Any(c => c.RoomId == roomId));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Comments_pin_reply_resolve_and_reopen_and_each_member_has_one_verdict(string provider)
    {
        var (store, _) = await Open(provider);
        var (_, token) = await store.CreateAsync("Talk", "Ada", T);
        var owner = await store.ResolveAsync(token, T);
        var editor = await store.ResolveAsync(await store.AddLinkAsync(owner, RoomRole.Editor, null, T), T);
        long node = await store.PostNodeAsync(owner, "m-ada", Node(), T);
        var heard = new List<RoomEventKind>();
        using var sub = events.Subscribe(owner.RoomId, e => heard.Add(e.Kind));

        long pinned = await store.CommentAsync(editor, "m-grace", node, "Grace", "<script>alert(1)</script> the left eye", 0.25, 0.4, ct: T);
        long reply = await store.CommentAsync(owner, "m-ada", node, "Ada", "agreed", replyTo: pinned, ct: T);
        await store.ResolveCommentAsync(owner, pinned, true, T);
        var n = await store.NodeAsync(editor, node, T);
        Assert.Equal([(pinned, (long?)null, 0.25, true), (reply, pinned, (double?)null ?? -1, false)],
            n.Comments.Select(c => (c.Id, c.ReplyTo, c.PinX ?? -1, c.Resolved)));
        Assert.Equal("<script>alert(1)</script> the left eye", n.Comments[0].Text);       // kept as typed; pages show it as text
        await store.ResolveCommentAsync(editor, pinned, false, T);                          // reopen
        Assert.Equal(2, (await store.LoadAsync(owner, T)).Nodes.Single().OpenComments);

        await store.VerdictAsync(editor, "m-grace", node, "Grace", VerdictValue.NeedsWork, T);
        await store.VerdictAsync(owner, "m-ada", node, "Ada", VerdictValue.Approve, T);
        await store.VerdictAsync(editor, "m-grace", node, "Grace", VerdictValue.Approve, T);   // changes her mind: replaced
        var summary = (await store.LoadAsync(owner, T)).Nodes.Single();
        Assert.Equal((2, 0, 0), (summary.Approve, summary.NeedsWork, summary.Reject));
        Assert.Equal(VerdictValue.Approve, (await store.NodeAsync(owner, node, T)).Verdicts["Grace"]);
        Assert.Equal([RoomEventKind.CommentChanged, RoomEventKind.CommentChanged, RoomEventKind.CommentChanged, RoomEventKind.CommentChanged,
            RoomEventKind.VerdictChanged, RoomEventKind.VerdictChanged, RoomEventKind.VerdictChanged], heard);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task A_room_exports_as_a_zip_and_imports_as_a_new_room_with_the_same_tree(string provider)
    {
        var (store, db) = await Open(provider);
        var archive = new RoomArchive(db, store);
        var (_, token) = await store.CreateAsync("Round trip", "Ada", T);
        var owner = await store.ResolveAsync(token, T);
        long root = await store.PostNodeAsync(owner, "m", Node(seed: 1), T);
        long child = await store.PostNodeAsync(owner, "m", Node(root, seed: 2), T);
        long c1 = await store.CommentAsync(owner, "m", child, "Ada", "pinned", 0.2, 0.8, ct: T);
        await store.CommentAsync(owner, "m", child, "Ada", "a reply", replyTo: c1, ct: T);
        await store.VerdictAsync(owner, "m", child, "Ada", VerdictValue.Reject, T);
        byte[] zip = await archive.ExportAsync(owner, T);

        string copyToken = await archive.ImportAsync(new MemoryStream(zip), "Grace", T);
        var copy = await store.ResolveAsync(copyToken, T);
        Assert.NotEqual(owner.RoomId, copy.RoomId);
        Assert.Equal(RoomRole.Owner, copy.Role);
        var tree = await store.LoadAsync(copy, T);
        Assert.Equal("Round trip", tree.Title);
        Assert.Equal([null, tree.Nodes[0].Id], tree.Nodes.Select(n => n.ParentId));
        var node = await store.NodeAsync(copy, tree.Nodes[1].Id, T);
        Assert.Equal(Node(root, seed: 2).Latent, node.Latent);
        Assert.Equal(Node(root, seed: 2).Png, node.Png);
        Assert.Equal([("pinned", (long?)null, (double?)0.2), ("a reply", node.Comments[0].Id, null)], node.Comments.Select(c => (c.Text, c.ReplyTo, c.PinX)));
        Assert.Equal(VerdictValue.Reject, node.Verdicts["Ada"]);
        string again = await archive.ImportAsync(new MemoryStream(await archive.ExportAsync(copy, T)), "Ada", T);   // and round again
        Assert.Equal(2, (await store.LoadAsync(await store.ResolveAsync(again, T), T)).Nodes.Count);
    }

    [Fact]
    public async Task Hostile_or_broken_archives_are_refused_with_a_reason_before_anything_is_written()
    {
        var (store, db) = await Open("sqlite");
        var archive = new RoomArchive(db, store);
        var (_, token) = await store.CreateAsync("Source", "Ada", T);
        var owner = await store.ResolveAsync(token, T);
        await store.PostNodeAsync(owner, "m", Node(), T);
        byte[] good = await archive.ExportAsync(owner, T);
        await using (var check = db.Open()) Assert.Equal(1, check.Rooms.Count());

        byte[] Edit(Action<System.IO.Compression.ZipArchive> change)
        {
            var ms = new MemoryStream();
            ms.Write(good);
            using (var zip = new System.IO.Compression.ZipArchive(ms, System.IO.Compression.ZipArchiveMode.Update, leaveOpen: true)) change(zip);
            return ms.ToArray();
        }
        void Put(System.IO.Compression.ZipArchive zip, string name, byte[] bytes)
        {
            zip.GetEntry(name)?.Delete();
            using var s = zip.CreateEntry(name).Open();
            s.Write(bytes);
        }
        string nodeEntry = new System.IO.Compression.ZipArchive(new MemoryStream(good)).Entries.First(e => e.FullName.EndsWith(".latent")).FullName;
        var cases = new (string Why, byte[] Zip)[]
        {
            ("not a ZIP", [1, 2, 3, 4]),
            ("Unexpected entry", Edit(z => Put(z, "../../etc/passwd", [1]))),
            ("Unexpected entry", Edit(z => Put(z, "nodes/1.png/../../x", [1]))),
            ("larger than 8 MB", Edit(z => Put(z, nodeEntry.Replace(".latent", ".png"), new byte[9 << 20]))),     // compresses to almost nothing
            ("wrong JSON", Edit(z => Put(z, "room.json", "{ not json"u8.ToArray()))),
            ("float32 values", Edit(z => Put(z, nodeEntry, new byte[12]))),
            ("no room.json", Edit(z => z.GetEntry("room.json")!.Delete())),
        };
        foreach (var (why, zip) in cases)
        {
            string message = (await Assert.ThrowsAsync<ArgumentException>(() => archive.ImportAsync(new MemoryStream(zip), "Eve", T))).Message;
            Assert.True(message.Contains(why, StringComparison.Ordinal), $"expected '{why}', got: {message}");
        }
        await using (var check = db.Open()) Assert.Equal(1, check.Rooms.Count());                  // nothing was written
    }

    [Fact]
    public async Task A_member_writing_faster_than_the_rate_is_slowed_with_a_message_and_may_write_again_a_minute_later()
    {
        var (store, db) = await Open("sqlite", writesPerMinute: 3);
        var (roomId, token) = await store.CreateAsync("Busy", "Ada", T);
        var owner = await store.ResolveAsync(token, T);
        for (int i = 0; i < 3; i++) await store.PostNodeAsync(owner, "m", Node(), T);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.PostNodeAsync(owner, "m", Node(), T));
        Assert.Contains("faster than 3 a minute", e.Message);
        await store.PostNodeAsync(owner, "someone else", Node(), T);                       // per member
        clock.Advance(TimeSpan.FromMinutes(1));
        await store.PostNodeAsync(owner, "m", Node(), T);
        await using var check = db.Open();
        Assert.Equal(5, check.RoomNodes.Count(n => n.RoomId == roomId));
    }

    public void Dispose() { try { Directory.Delete(data, true); } catch (IOException) { } }
}
