using System.Runtime.InteropServices;
using FaceWeb.Components.Services;
using FaceWeb.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace FaceWeb.Server.Rooms;

/// <summary>A wrong, revoked or expired token, or a room that is gone: all look the same to the holder.</summary>
public sealed class RoomNotFoundException() : Exception("No such room: the link is wrong, revoked or expired, or the room was deleted.");

/// <summary>The link's role does not allow this (a viewer posting, an editor revoking a link).</summary>
public sealed class RoomForbiddenException(string message) : InvalidOperationException(message);

/// <summary>What a valid token opens: one room, with one role, through one link (which can be revoked).</summary>
public sealed record RoomAccess(Guid RoomId, Guid LinkId, RoomRole Role);

/// <param name="Latent">W+ [1,L,D] as float32 values, row-major.</param>
public sealed record NewNode(long? ParentId, string Kind, string Method, string Parameters, string PackName, string PackHash,
    float[] Latent, int Layers, int Width, byte[] Png, string Author);

public sealed record NodeSummary(long Id, long? ParentId, string Kind, string Method, string Author, DateTime Created, int Comments, int OpenComments,
    int Approve, int NeedsWork, int Reject);

public sealed record RoomSnapshot(Guid Id, string Title, string OwnerName, DateTime Created, RoomRole Role, IReadOnlyList<NodeSummary> Nodes);

public sealed record CommentSnapshot(long Id, long? ReplyTo, string Author, string Text, double? PinX, double? PinY, bool Resolved, DateTime Created);

public sealed record NodeSnapshot(NodeSummary Summary, string Parameters, string PackName, string PackHash, float[] Latent, int Layers, int Width,
    byte[] Png, IReadOnlyList<CommentSnapshot> Comments, IReadOnlyDictionary<string, VerdictValue> Verdicts);

/// <summary>A room as the operator's list shows it (<c>faceweb room list</c>): no tokens, only counts.</summary>
public sealed record RoomListing(Guid Id, string Title, string Owner, DateTime Created, int Nodes, int Comments, int WorkingLinks);

public sealed record LinkSnapshot(Guid Id, RoomRole Role, DateTime Created, DateTime? Expires, bool Revoked);

/// <summary>Review rooms in the database (SQLite or PostgreSQL): every read and write checks the caller's token first;
/// every write is one transaction, so a failure never leaves half a node, and a database that cannot take it (locked,
/// read-only, full, damaged) is a <see cref="StorageException"/> that says so; members hear of changes through
/// <see cref="IRoomEvents"/>. Nothing of a room lives in a circuit.</summary>
public sealed class RoomStore
{
    readonly Database database;
    readonly IRoomEvents events;
    readonly TimeProvider clock;

    public RoomStore(Database database, IRoomEvents events, TimeProvider clock, IConfiguration config)
    {
        (this.database, this.events, this.clock) = (database, events, clock);
        writesPerMinute = config.GetValue("FaceWeb:RoomWritesPerMinute", 30);
        // A change heard from another server makes the next read of that room go to the database.
        events.SubscribeAll(e => { if (e.Kind != RoomEventKind.PresenceChanged) Invalidate(e.RoomId); });
    }

    /// <summary>Posts, comments and verdicts one member may make in a room per minute (FaceWeb:RoomWritesPerMinute).</summary>
    readonly int writesPerMinute;
    readonly Dictionary<(Guid, string), Queue<DateTime>> recent = [];

    public const int MaxPngBytes = 4 << 20, MaxLatentValues = 32 * 1024;
    static readonly byte[] PngMagic = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    static readonly string[] Kinds = ["generate", "edit", "slider", "text→face", "sketch→face", "photo", "compare"];

    /// <summary>A room with its owner link; returns the owner's token (shown once; only its hash is kept).</summary>
    public async Task<(Guid RoomId, string OwnerToken)> CreateAsync(string title, string ownerName, CancellationToken ct = default)
    {
        title = RoomLimits.Text(title, "title", RoomLimits.TitleLength);
        ownerName = RoomLimits.Text(ownerName, "display name", RoomLimits.NameLength);
        var now = clock.GetUtcNow().UtcDateTime;
        var room = new Room { Id = Guid.NewGuid(), Title = title, OwnerName = ownerName, Created = now };
        string token = Secrets.NewToken();
        await using var db = database.Open();
        db.Rooms.Add(room);
        db.RoomLinks.Add(new RoomLink { Id = Guid.NewGuid(), RoomId = room.Id, TokenHash = Secrets.Hash(token), Role = RoomRole.Owner, Created = now });
        await db.SaveChangesAsync(ct);                                           // one transaction: room and link, or neither
        return (room.Id, token);
    }

    /// <summary>The room and role a token opens, or <see cref="RoomNotFoundException"/> (the same for every reason).</summary>
    public async Task<RoomAccess> ResolveAsync(string? token, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 64) throw new RoomNotFoundException();
        string hash = Secrets.Hash(token);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = database.Open();
        var link = await db.RoomLinks.AsNoTracking().SingleOrDefaultAsync(l => l.TokenHash == hash, ct);
        if (link is null || link.Revoked is not null || (link.Expires is { } e && e <= now)) throw new RoomNotFoundException();
        return new RoomAccess(link.RoomId, link.Id, link.Role);
    }

    /// <summary>The same for a link remembered by its id (a browser session's last room), or <see cref="RoomNotFoundException"/>.</summary>
    public async Task<RoomAccess> ResolveLinkAsync(Guid linkId, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = database.Open();
        var link = await db.RoomLinks.AsNoTracking().SingleOrDefaultAsync(l => l.Id == linkId, ct);
        if (link is null || link.Revoked is not null || (link.Expires is { } e && e <= now)) throw new RoomNotFoundException();
        return new RoomAccess(link.RoomId, link.Id, link.Role);
    }

    /// <summary>Whether the node is in the room (a post's parent must be).</summary>
    public async Task<bool> HasNodeAsync(RoomAccess a, long nodeId, CancellationToken ct = default)
    {
        await using var db = database.Open();
        return await db.RoomNodes.AnyAsync(n => n.Id == nodeId && n.RoomId == a.RoomId, ct);
    }

    /// <summary>Every room, newest first, for the operator (the CLI, which reaches the database directly; no web page lists rooms).</summary>
    public async Task<IReadOnlyList<RoomListing>> ListAsync(CancellationToken ct = default)
    {
        var now = Now();
        await using var db = database.Open();
        var rooms = await db.Rooms.AsNoTracking().OrderByDescending(r => r.Created).ToListAsync(ct);
        var nodes = await db.RoomNodes.GroupBy(n => n.RoomId).Select(g => new { g.Key, N = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.N, ct);
        var comments = await db.RoomComments.GroupBy(c => c.RoomId).Select(g => new { g.Key, N = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.N, ct);
        var links = await db.RoomLinks.Where(l => l.Revoked == null && (l.Expires == null || l.Expires > now)).GroupBy(l => l.RoomId)
            .Select(g => new { g.Key, N = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.N, ct);
        return rooms.Select(r => new RoomListing(r.Id, r.Title, r.OwnerName, r.Created, nodes.GetValueOrDefault(r.Id), comments.GetValueOrDefault(r.Id),
            links.GetValueOrDefault(r.Id))).ToList();
    }

    /// <summary>The operator's access to a room by its id (the CLI only; the web app knows rooms by their links alone).</summary>
    public async Task<RoomAccess> OperatorAsync(Guid roomId, CancellationToken ct = default)
    {
        await using var db = database.Open();
        return await db.Rooms.AnyAsync(r => r.Id == roomId, ct) ? new RoomAccess(roomId, Guid.Empty, RoomRole.Owner) : throw new RoomNotFoundException();
    }

    public async Task<string> AddLinkAsync(RoomAccess a, RoomRole role, DateTime? expires, CancellationToken ct = default)
    {
        Require(a, RoomRole.Owner, "Only the owner can make links.");
        string token = Secrets.NewToken();
        await using var db = database.Open();
        db.RoomLinks.Add(new RoomLink { Id = Guid.NewGuid(), RoomId = a.RoomId, TokenHash = Secrets.Hash(token), Role = role, Created = Now(), Expires = expires });
        await db.SaveChangesAsync(ct);
        return token;
    }

    public async Task<IReadOnlyList<LinkSnapshot>> LinksAsync(RoomAccess a, CancellationToken ct = default)
    {
        Require(a, RoomRole.Owner, "Only the owner can see the links.");
        await using var db = database.Open();
        return await db.RoomLinks.AsNoTracking().Where(l => l.RoomId == a.RoomId).OrderBy(l => l.Created)
            .Select(l => new LinkSnapshot(l.Id, l.Role, l.Created, l.Expires, l.Revoked != null)).ToListAsync(ct);
    }

    /// <summary>The link stops working at once; members connected through it are told (<see cref="RoomEventKind.LinkRevoked"/>).</summary>
    public async Task RevokeLinkAsync(RoomAccess a, Guid linkId, CancellationToken ct = default)
    {
        Require(a, RoomRole.Owner, "Only the owner can revoke links.");
        if (linkId == a.LinkId) throw new ArgumentException("This is the link you are using; the owner's own link cannot be revoked.");
        await using var db = database.Open();
        int n = await StorageErrors.Guard(() => db.RoomLinks.Where(l => l.Id == linkId && l.RoomId == a.RoomId && l.Revoked == null)
            .ExecuteUpdateAsync(u => u.SetProperty(l => l.Revoked, Now()), ct));
        if (n == 0) throw new ArgumentException("That link is not one of this room's working links.");
        Changed(new RoomEvent(a.RoomId, RoomEventKind.LinkRevoked, LinkId: linkId));
    }

    public async Task RenameAsync(RoomAccess a, string title, CancellationToken ct = default)
    {
        Require(a, RoomRole.Owner, "Only the owner can rename the room.");
        title = RoomLimits.Text(title, "title", RoomLimits.TitleLength);
        await using var db = database.Open();
        await StorageErrors.Guard(() => db.Rooms.Where(r => r.Id == a.RoomId).ExecuteUpdateAsync(u => u.SetProperty(r => r.Title, title), ct));
        Changed(new RoomEvent(a.RoomId, RoomEventKind.RoomRenamed));
    }

    /// <summary>The room, its links, nodes (with their images and latents), comments and verdicts, in one delete.</summary>
    public async Task DeleteAsync(RoomAccess a, CancellationToken ct = default)
    {
        Require(a, RoomRole.Owner, "Only the owner can delete the room.");
        await using var db = database.Open();
        await StorageErrors.Guard(() => db.Rooms.Where(r => r.Id == a.RoomId).ExecuteDeleteAsync(ct));       // cascades
        Changed(new RoomEvent(a.RoomId, RoomEventKind.RoomDeleted));
    }

    public async Task<long> PostNodeAsync(RoomAccess a, string member, NewNode n, CancellationToken ct = default)
    {
        Require(a, RoomRole.Editor, "Viewers cannot post to this room.");
        var (author, method, parameters) = CheckNode(n.Kind, n.Method, n.Parameters, n.Author, n.Png);
        if (n.Layers < 1 || n.Width < 1 || n.Latent.Length != n.Layers * n.Width || n.Latent.Length > MaxLatentValues || n.Latent.Any(v => !float.IsFinite(v)))
            throw new ArgumentException("The latent must be Layers × Width finite numbers.");
        Throttle(a, member);
        await using var db = database.Open();
        if (n.ParentId is long parent && !await db.RoomNodes.AnyAsync(x => x.Id == parent && x.RoomId == a.RoomId, ct))
            throw new ArgumentException("The node it started from is not in this room.");
        var node = new RoomNode
        {
            RoomId = a.RoomId, ParentId = n.ParentId, Kind = n.Kind, Method = method, Parameters = parameters, PackName = n.PackName, PackHash = n.PackHash,
            Latent = MemoryMarshal.AsBytes(n.Latent.AsSpan()).ToArray(), Layers = n.Layers, Width = n.Width, Png = n.Png, Author = author, Created = Now(),
        };
        db.RoomNodes.Add(node);
        await db.SaveChangesAsync(ct);
        Changed(new RoomEvent(a.RoomId, RoomEventKind.NodePosted, node.Id));
        return node.Id;
    }

    public async Task<long> CommentAsync(RoomAccess a, string member, long nodeId, string author, string text, double? pinX = null, double? pinY = null,
        long? replyTo = null, CancellationToken ct = default)
    {
        Require(a, RoomRole.Editor, "Viewers cannot comment in this room.");
        author = RoomLimits.Text(author, "display name", RoomLimits.NameLength);
        text = RoomLimits.Text(text, "comment", RoomLimits.CommentLength);
        if ((pinX is null) != (pinY is null) || pinX is < 0 or > 1 || pinY is < 0 or > 1 || (pinX is double x && !double.IsFinite(x)) || (pinY is double y && !double.IsFinite(y)))
            throw new ArgumentException("A pin is a point on the image: x and y between 0 and 1.");
        Throttle(a, member);
        await using var db = database.Open();
        if (!await db.RoomNodes.AnyAsync(n => n.Id == nodeId && n.RoomId == a.RoomId, ct)) throw new ArgumentException("That node is not in this room.");
        if (replyTo is long r && !await db.RoomComments.AnyAsync(c => c.Id == r && c.NodeId == nodeId, ct))
            throw new ArgumentException("The comment it replies to is not on this node.");
        var c = new RoomComment { RoomId = a.RoomId, NodeId = nodeId, ReplyTo = replyTo, Author = author, Text = text, PinX = pinX, PinY = pinY, Created = Now() };
        db.RoomComments.Add(c);
        await db.SaveChangesAsync(ct);
        Changed(new RoomEvent(a.RoomId, RoomEventKind.CommentChanged, nodeId));
        return c.Id;
    }

    public async Task ResolveCommentAsync(RoomAccess a, long commentId, bool resolved, CancellationToken ct = default)
    {
        Require(a, RoomRole.Editor, "Viewers cannot resolve comments.");
        await using var db = database.Open();
        var c = await db.RoomComments.SingleOrDefaultAsync(x => x.Id == commentId && x.RoomId == a.RoomId, ct)
            ?? throw new ArgumentException("That comment is not in this room.");
        c.Resolved = resolved;
        await db.SaveChangesAsync(ct);
        Changed(new RoomEvent(a.RoomId, RoomEventKind.CommentChanged, c.NodeId));
    }

    /// <summary>One verdict per node per member: a second one replaces the first.</summary>
    public async Task VerdictAsync(RoomAccess a, string member, long nodeId, string author, VerdictValue value, CancellationToken ct = default)
    {
        Require(a, RoomRole.Editor, "Viewers cannot give verdicts.");
        author = RoomLimits.Text(author, "display name", RoomLimits.NameLength);
        if (!Enum.IsDefined(value)) throw new ArgumentException("A verdict is approve, needs work or reject.");
        Throttle(a, member);
        await using var db = database.Open();
        if (!await db.RoomNodes.AnyAsync(n => n.Id == nodeId && n.RoomId == a.RoomId, ct)) throw new ArgumentException("That node is not in this room.");
        var v = await db.RoomVerdicts.SingleOrDefaultAsync(x => x.NodeId == nodeId && x.Member == member, ct);
        if (v is null) db.RoomVerdicts.Add(v = new RoomVerdict { RoomId = a.RoomId, NodeId = nodeId, Member = member, Author = author });
        (v.Value, v.Author, v.Updated) = (value, author, Now());
        await db.SaveChangesAsync(ct);
        Changed(new RoomEvent(a.RoomId, RoomEventKind.VerdictChanged, nodeId));
    }

    /// <summary>The room and its tree without images: what a room page opens with.</summary>
    public async Task<RoomSnapshot> LoadAsync(RoomAccess a, CancellationToken ct = default)
    {
        var (room, nodes) = await Tree(a.RoomId).WaitAsync(ct);
        return new RoomSnapshot(room.Id, room.Title, room.OwnerName, room.Created, a.Role, nodes);
    }

    async Task<(Room Room, List<NodeSummary> Nodes)> ReadTree(Guid roomId)
    {
        await using var db = database.Open();
        var room = await db.Rooms.AsNoTracking().SingleOrDefaultAsync(r => r.Id == roomId) ?? throw new RoomNotFoundException();
        var nodes = await db.RoomNodes.AsNoTracking().Where(n => n.RoomId == roomId).OrderBy(n => n.Id)
            .Select(n => new { n.Id, n.ParentId, n.Kind, n.Method, n.Author, n.Created }).ToListAsync();
        var comments = await db.RoomComments.AsNoTracking().Where(c => c.RoomId == roomId).GroupBy(c => c.NodeId)
            .Select(g => new { g.Key, All = g.Count(), Open = g.Count(c => !c.Resolved) }).ToDictionaryAsync(x => x.Key);
        var verdicts = await db.RoomVerdicts.AsNoTracking().Where(v => v.RoomId == roomId).GroupBy(v => new { v.NodeId, v.Value })
            .Select(g => new { g.Key.NodeId, g.Key.Value, N = g.Count() }).ToListAsync();
        var byNode = verdicts.ToLookup(v => v.NodeId);
        int V(long node, VerdictValue value) => byNode[node].Where(v => v.Value == value).Sum(v => v.N);
        return (room, nodes.Select(n => new NodeSummary(n.Id, n.ParentId, n.Kind, n.Method, n.Author, n.Created,
            comments.TryGetValue(n.Id, out var c) ? c.All : 0, c?.Open ?? 0,
            V(n.Id, VerdictValue.Approve), V(n.Id, VerdictValue.NeedsWork), V(n.Id, VerdictValue.Reject))).ToList());
    }

    /// <summary>One node whole: image, latent, parameters, comments (oldest first) and verdicts by member name.</summary>
    public async Task<NodeSnapshot> NodeAsync(RoomAccess a, long nodeId, CancellationToken ct = default)
    {
        await using var db = database.Open();
        var n = await db.RoomNodes.AsNoTracking().SingleOrDefaultAsync(x => x.Id == nodeId && x.RoomId == a.RoomId, ct)
            ?? throw new ArgumentException("That node is not in this room.");
        var comments = await db.RoomComments.AsNoTracking().Where(c => c.NodeId == nodeId).OrderBy(c => c.Id)
            .Select(c => new CommentSnapshot(c.Id, c.ReplyTo, c.Author, c.Text, c.PinX, c.PinY, c.Resolved, c.Created)).ToListAsync(ct);
        var verdicts = await db.RoomVerdicts.AsNoTracking().Where(v => v.NodeId == nodeId).ToListAsync(ct);
        var summary = new NodeSummary(n.Id, n.ParentId, n.Kind, n.Method, n.Author, n.Created, comments.Count, comments.Count(c => !c.Resolved),
            verdicts.Count(v => v.Value == VerdictValue.Approve), verdicts.Count(v => v.Value == VerdictValue.NeedsWork), verdicts.Count(v => v.Value == VerdictValue.Reject));
        return new NodeSnapshot(summary, n.Parameters, n.PackName, n.PackHash, MemoryMarshal.Cast<byte, float>(n.Latent).ToArray(), n.Layers, n.Width, n.Png,
            comments, verdicts.ToDictionary(v => v.Author, v => v.Value));
    }

    /// <summary>Only a node's image (e.g. the parent's, for before/after), or null when it is not in the room.</summary>
    public async Task<byte[]?> ImageAsync(RoomAccess a, long nodeId, CancellationToken ct = default)
    {
        await using var db = database.Open();
        return await db.RoomNodes.AsNoTracking().Where(x => x.Id == nodeId && x.RoomId == a.RoomId).Select(x => x.Png).SingleOrDefaultAsync(ct);
    }

    /// <summary>A node's kind, texts and image, checked as a post and an import both need them.</summary>
    public static (string Author, string Method, string Parameters) CheckNode(string kind, string method, string parameters, string author, byte[] png)
    {
        if (!Kinds.Contains(kind)) throw new ArgumentException($"Unknown kind '{kind}' ({string.Join(", ", Kinds)}).");
        author = RoomLimits.Text(author, "display name", RoomLimits.NameLength);
        method = RoomLimits.Text(method, "method", 40);
        parameters = RoomLimits.Text(parameters, "parameters", RoomLimits.ParametersLength);
        try { using (System.Text.Json.JsonDocument.Parse(parameters)) { } }
        catch (System.Text.Json.JsonException) { throw new ArgumentException("The parameters are not JSON."); }
        if (png is null || png.Length is 0 or > MaxPngBytes || !png.AsSpan().StartsWith(PngMagic)) throw new ArgumentException("The image must be a PNG of at most 4 MB.");
        return (author, method, parameters);
    }

    static void Require(RoomAccess a, RoomRole least, string message)
    {
        if (a.Role < least) throw new RoomForbiddenException(message);
    }

    /// <summary>A member writing faster than the configured rate is slowed with a message (nothing is written).</summary>
    void Throttle(RoomAccess a, string member)
    {
        var now = Now();
        lock (recent)
        {
            if (!recent.TryGetValue((a.RoomId, member), out var q)) recent[(a.RoomId, member)] = q = new();
            while (q.Count > 0 && now - q.Peek() >= TimeSpan.FromMinutes(1)) q.Dequeue();
            if (q.Count >= writesPerMinute) throw new InvalidOperationException($"You are posting faster than {writesPerMinute} a minute in this room; wait a little.");
            q.Enqueue(now);
        }
    }

    DateTime Now() => clock.GetUtcNow().UtcDateTime;

    // The room page reads the whole tree again on every change, and after a post every member does so at once: they
    // share one read per room state. A change here (or one heard from elsewhere) starts a new state.
    readonly Dictionary<Guid, (long Version, Task<(Room Room, List<NodeSummary> Nodes)> Read)> snapshots = [];
    readonly Dictionary<Guid, long> versions = [];

    void Changed(RoomEvent e) => events.Publish(e);   // invalidates this server's read first (see the constructor)

    /// <summary>The room changed (here, or on another server: a scaled-out event fan-out calls this): the next read goes
    /// to the database.</summary>
    public void Invalidate(Guid roomId)
    {
        lock (snapshots) { versions[roomId] = versions.GetValueOrDefault(roomId) + 1; snapshots.Remove(roomId); }
    }

    Task<(Room Room, List<NodeSummary> Nodes)> Tree(Guid roomId)
    {
        lock (snapshots)
        {
            long version = versions.GetValueOrDefault(roomId);
            if (snapshots.TryGetValue(roomId, out var s) && s.Version == version && !s.Read.IsFaulted && !s.Read.IsCanceled) return s.Read;
            var read = ReadTree(roomId);
            snapshots[roomId] = (version, read);
            return read;
        }
    }
}
