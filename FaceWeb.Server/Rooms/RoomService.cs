using System.Text.Json;
using FaceWeb.Components.Services;
using FaceWeb.Server.Persistence;

namespace FaceWeb.Server.Rooms;

/// <summary>One per circuit: the room page's adapter over <see cref="RoomStore"/>. It keeps the token it was opened
/// with and checks it again on every call (a revoked link fails at once), joins the room's presence, and turns the
/// room's events into <see cref="IRoomService.Changed"/> for the page.</summary>
public sealed class RoomService(RoomStore store, RoomArchive archive, IRoomEvents events, RoomPresence presence, SessionLatentStore session, ISeedEngine engine,
    TimeProvider clock, ILogger<RoomService> log) : IRoomService, IDisposable
{
    string? token, name;
    RoomAccess? access;
    IDisposable? subscription, here;

    public event Action<RoomChange>? Changed;

    public async Task<string> CreateAsync(string title, string displayName, CancellationToken ct = default)
    {
        var (_, owner) = await Translate(() => store.CreateAsync(title, displayName, ct));
        log.LogInformation("Room created by circuit member {Member}", session.MemberKey);
        return owner;
    }

    public Task<string> ImportAsync(Stream zip, string displayName, CancellationToken ct = default) => Translate(() => archive.ImportAsync(zip, displayName, ct));

    public async Task<RoomView> OpenAsync(string roomToken, string displayName, CancellationToken ct = default)
    {
        name = RoomLimits.Text(displayName, "display name", RoomLimits.NameLength);
        var a = await Resolve(roomToken, ct);
        bool joining = access?.RoomId != a.RoomId;
        (token, access) = (roomToken, a);
        session.SetRoom(a.LinkId, name);
        if (joining)
        {
            subscription?.Dispose(); here?.Dispose();
            subscription = events.Subscribe(a.RoomId, OnEvent);
            here = presence.Join(a.RoomId, name);
        }
        var snap = await Translate(() => store.LoadAsync(a, ct));
        return new RoomView(snap.Title, snap.Role, snap.Nodes.Select(Summary).ToList(), presence.Present(a.RoomId));
    }

    public async Task<RoomNodeView> NodeAsync(long nodeId, CancellationToken ct = default)
    {
        var a = await Current(ct);
        var n = await Translate(() => store.NodeAsync(a, nodeId, ct));
        byte[]? parentPng = n.Summary.ParentId is long p ? await Translate(() => store.ImageAsync(a, p, ct)) : null;   // the image only
        return new RoomNodeView(Summary(n.Summary), n.Parameters, n.PackName, n.Png, parentPng,
            n.Comments.Select(c => new RoomCommentView(c.Id, c.ReplyTo, c.Author, c.Text, c.PinX, c.PinY, c.Resolved)).ToList(), n.Verdicts);
    }

    public async Task<long> PostLatentAsync(string latentId, long? parentId, CancellationToken ct = default)
    {
        var a = await Current(ct);
        var found = session.Find(latentId) ?? throw new ArgumentException("That face is no longer in this session.");
        string parameters = JsonSerializer.Serialize(new { label = found.Item.Label, source = "session" });
        var draft = new NodeDraft(KindOf(found.Item.Label), parameters, found.Data, (int)found.Shape[1], (int)found.Shape[2], found.Item.Origin);
        return await Post(a, name!, "session face", draft, found.Item.Thumbnail, parentId, ct);
    }

    public async Task<RoomTarget?> TargetAsync(CancellationToken ct = default)
    {
        if (await Target(ct) is not { } t) return null;
        var snap = await Translate(() => store.LoadAsync(t.Access, ct));
        return new RoomTarget(snap.Title, t.Access.Role, t.Access.RoomId == access?.RoomId ? token : null);
    }

    public async Task<long> PostAsync(string method, NodeDraft draft, byte[] png, CancellationToken ct = default)
    {
        var t = await Target(ct) ?? throw new InvalidOperationException("Join a review room first (open its link); results are posted to the room you joined last.");
        return await Post(t.Access, t.Name, method, draft, png, null, ct);
    }

    /// <summary>The room this browser joined last, through the link it joined with (checked again: revoked is gone).</summary>
    async Task<(RoomAccess Access, string Name)?> Target(CancellationToken ct)
    {
        if (session.Room is not { } r) return null;
        try { return (await store.ResolveLinkAsync(r.Link, ct), r.Name); }
        catch (RoomNotFoundException) { return null; }
    }

    /// <summary>One post: under the node the face came from when it is in this room, else under <paramref name="fallback"/>.</summary>
    async Task<long> Post(RoomAccess a, string author, string method, NodeDraft d, byte[] png, long? fallback, CancellationToken ct)
    {
        var pack = await engine.PackAsync(ct);                                       // this server's engine or the pool's: the same pack
        long? parent = d.Origin is long o && await store.HasNodeAsync(a, o, ct) ? o : fallback;
        var node = new NewNode(parent, d.Kind, method, d.Parameters, pack.Name, pack.ManifestSha256 ?? "none", d.Latent, d.Layers, d.Width, png, author);
        return await Translate(() => store.PostNodeAsync(a, session.MemberKey, node, ct));
    }

    public async Task CommentAsync(long nodeId, string text, double? pinX = null, double? pinY = null, long? replyTo = null, CancellationToken ct = default)
    {
        var a = await Current(ct);
        await Translate(() => store.CommentAsync(a, session.MemberKey, nodeId, name!, text, pinX, pinY, replyTo, ct));
    }

    public async Task ResolveCommentAsync(long commentId, bool resolved, CancellationToken ct = default)
    {
        var a = await Current(ct);
        await Translate(() => store.ResolveCommentAsync(a, commentId, resolved, ct));
    }

    public async Task VerdictAsync(long nodeId, VerdictValue verdict, CancellationToken ct = default)
    {
        var a = await Current(ct);
        await Translate(() => store.VerdictAsync(a, session.MemberKey, nodeId, name!, verdict, ct));
    }

    public async Task<RoomContinuation> ContinueAsync(long nodeId, CancellationToken ct = default)
    {
        var a = await Current(ct);
        var n = await Translate(() => store.NodeAsync(a, nodeId, ct));
        var global = NodeDrafts.Reapply(n.Parameters);
        string label = global is null ? $"room node {n.Summary.Id} ({n.Summary.Method})" : $"room node {n.Summary.Id}'s start (its global direction is applied again)";
        return new RoomContinuation(session.Add(n.Latent, [1, n.Layers, n.Width], label, n.Png, n.Summary.Id), global);
    }

    public async Task RenameAsync(string title, CancellationToken ct = default)
    {
        var a = await Current(ct);
        await Translate(() => store.RenameAsync(a, title, ct));
    }

    public async Task DeleteAsync(CancellationToken ct = default)
    {
        var a = await Current(ct);
        await Translate(() => store.DeleteAsync(a, ct));
        log.LogInformation("Room {Room} deleted by its owner", a.RoomId);
    }

    public async Task<IReadOnlyList<RoomLinkView>> LinksAsync(CancellationToken ct = default)
    {
        var a = await Current(ct);
        return (await Translate(() => store.LinksAsync(a, ct))).Select(l => new RoomLinkView(l.Id, l.Role, l.Created, l.Revoked, l.Id == a.LinkId, l.Expires)).ToList();
    }

    public async Task<string> AddLinkAsync(RoomRole role, TimeSpan? lifetime = null, CancellationToken ct = default)
    {
        if (lifetime is { } l && (l <= TimeSpan.Zero || l > TimeSpan.FromDays(366))) throw new ArgumentException("A link works for between a minute and a year, or until revoked.");
        var a = await Current(ct);
        return await Translate(() => store.AddLinkAsync(a, role, lifetime is { } t ? clock.GetUtcNow().UtcDateTime + t : null, ct));
    }

    public async Task RevokeLinkAsync(Guid linkId, CancellationToken ct = default)
    {
        var a = await Current(ct);
        await Translate(() => store.RevokeLinkAsync(a, linkId, ct));
    }

    /// <summary>The token again, every call: a link revoked or expired since the page opened stops working here too.</summary>
    async Task<RoomAccess> Current(CancellationToken ct)
    {
        if (token is null) throw new InvalidOperationException("Open a room first.");
        return access = await Resolve(token, ct);
    }

    async Task<RoomAccess> Resolve(string t, CancellationToken ct)
    {
        try { return await Translate(() => store.ResolveAsync(t, ct)); }
        catch (ArgumentException) { Leave(); throw; }
    }

    async Task<T> Translate<T>(Func<Task<T>> work)
    {
        try { return await work(); }
        catch (RoomNotFoundException e) { throw new ArgumentException(e.Message); }
        catch (RoomForbiddenException e) { throw new InvalidOperationException(e.Message); }
        catch (Exception e) when (StorageErrors.Explain(e) is { } s)
        {
            log.LogError(e, "Room storage failed: {Message}", s.Message);
            throw s;                                                            // the page shows it; nothing was stored
        }
    }

    async Task Translate(Func<Task> work) => await Translate(async () => { await work(); return 0; });

    void OnEvent(RoomEvent e)
    {
        var change = e.Kind switch
        {
            RoomEventKind.NodePosted => new RoomChange(RoomChangeKind.Nodes, e.NodeId),
            RoomEventKind.CommentChanged => new RoomChange(RoomChangeKind.Comments, e.NodeId),
            RoomEventKind.VerdictChanged => new RoomChange(RoomChangeKind.Verdicts, e.NodeId),
            RoomEventKind.PresenceChanged => new RoomChange(RoomChangeKind.Presence),
            RoomEventKind.RoomRenamed => new RoomChange(RoomChangeKind.Renamed),
            RoomEventKind.LinkRevoked when e.LinkId == access?.LinkId => new RoomChange(RoomChangeKind.Lost),
            RoomEventKind.RoomDeleted => new RoomChange(RoomChangeKind.Lost),
            _ => null,
        };
        if (change is null) return;
        if (change.Lost) Leave();
        // Off the publisher's call path: the writer (maybe this very circuit) does not wait for, or re-enter, the pages.
        ThreadPool.QueueUserWorkItem(_ => Changed?.Invoke(change));
    }

    void Leave()
    {
        subscription?.Dispose(); here?.Dispose();
        (subscription, here, access, token) = (null, null, null, null);
    }

    static RoomNodeSummary Summary(NodeSummary n) =>
        new(n.Id, n.ParentId, n.Kind, n.Method, n.Author, n.Created, n.OpenComments, n.Approve, n.NeedsWork, n.Reject);

    /// <summary>The kind of a session face, from the label its page gave it.</summary>
    static string KindOf(string label) =>
        label.StartsWith("sketch", StringComparison.Ordinal) ? "sketch→face"
        : label.StartsWith("uploaded", StringComparison.Ordinal) ? "photo"
        : label.StartsWith("room node", StringComparison.Ordinal) ? "edit"
        : label.StartsWith('"') ? "text→face" : "generate";

    public void Dispose() => Leave();
}
