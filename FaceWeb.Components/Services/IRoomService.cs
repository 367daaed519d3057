namespace FaceWeb.Components.Services;

/// <summary>What a link lets its holder do in a room.</summary>
public enum RoomRole { Viewer = 0, Editor = 1, Owner = 2 }

public enum VerdictValue { Approve = 0, NeedsWork = 1, Reject = 2 }

/// <summary>Review rooms for the pages (one per circuit). A room is opened with its link's token; everything after
/// that acts through it, and the host checks the token again on every call. A wrong, revoked or expired token, or a
/// deleted room, is an <see cref="ArgumentException"/> with one message for all of them.</summary>
public interface IRoomService
{
    /// <summary>A new room owned by this browser; returns the owner's token (the room's address).</summary>
    Task<string> CreateAsync(string title, string displayName, CancellationToken ct = default);

    /// <summary>A new room, owned by this browser, from a ZIP another room was exported as (<c>/room/TOKEN/export.zip</c>);
    /// returns its owner token. A bad archive is refused with the reason before anything is written.</summary>
    Task<string> ImportAsync(Stream zip, string displayName, CancellationToken ct = default);

    /// <summary>Opens the room, joins its presence under <paramref name="displayName"/> and starts live changes.</summary>
    Task<RoomView> OpenAsync(string token, string displayName, CancellationToken ct = default);

    Task<RoomNodeView> NodeAsync(long nodeId, CancellationToken ct = default);

    /// <summary>Posts one of this session's faces (<see cref="ISessionLatents.Items"/>) as a node: under the room node it was
    /// continued from when that node is in this room, else under <paramref name="parentId"/>.</summary>
    Task<long> PostLatentAsync(string latentId, long? parentId, CancellationToken ct = default);

    /// <summary>The room this browser joined last, where Edit and Compare post their results; null when there is none (or
    /// its link stopped working).</summary>
    Task<RoomTarget?> TargetAsync(CancellationToken ct = default);

    /// <summary>Posts a result (an Edit frame, a Compare cell) to <see cref="TargetAsync"/>'s room, under the node it
    /// started from when that node is in the room, else as a new root. Returns the node's id.</summary>
    Task<long> PostAsync(string method, NodeDraft draft, byte[] png, CancellationToken ct = default);

    Task CommentAsync(long nodeId, string text, double? pinX = null, double? pinY = null, long? replyTo = null, CancellationToken ct = default);
    Task ResolveCommentAsync(long commentId, bool resolved, CancellationToken ct = default);
    Task VerdictAsync(long nodeId, VerdictValue verdict, CancellationToken ct = default);

    /// <summary>The node's exact latent joins this session (remembering the node, so what is made from it is posted under
    /// it); for a style-space edit, which has no W+ of its own, that is its start, and the edit to apply again comes back too.</summary>
    Task<RoomContinuation> ContinueAsync(long nodeId, CancellationToken ct = default);

    /// <summary>Owner only: a new title, shown at once to every member.</summary>
    Task RenameAsync(string title, CancellationToken ct = default);

    /// <summary>Owner only: the room with every node, image, latent, comment, verdict and link, for good; every member's
    /// page loses it at once.</summary>
    Task DeleteAsync(CancellationToken ct = default);

    Task<IReadOnlyList<RoomLinkView>> LinksAsync(CancellationToken ct = default);
    /// <summary>Owner only: a new link with <paramref name="role"/>, working for <paramref name="lifetime"/> (null: until revoked); returns its token.</summary>
    Task<string> AddLinkAsync(RoomRole role, TimeSpan? lifetime = null, CancellationToken ct = default);
    Task RevokeLinkAsync(Guid linkId, CancellationToken ct = default);

    /// <summary>Something in the open room changed (read it again), or, with <see cref="RoomChange.Lost"/>, this
    /// browser's link stopped working or the room was deleted.</summary>
    event Action<RoomChange>? Changed;
}

public enum RoomChangeKind { Nodes, Comments, Verdicts, Presence, Renamed, Lost }

/// <param name="NodeId">The node the change is about, when there is one.</param>
public sealed record RoomChange(RoomChangeKind Kind, long? NodeId = null)
{
    public bool Lost => Kind == RoomChangeKind.Lost;
}

public sealed record RoomView(string Title, RoomRole Role, IReadOnlyList<RoomNodeSummary> Nodes, IReadOnlyList<string> Present);

public sealed record RoomNodeSummary(long Id, long? ParentId, string Kind, string Method, string Author, DateTime Created, int OpenComments,
    int Approve, int NeedsWork, int Reject);

/// <param name="ParentPng">The image of the node it started from, for before/after.</param>
public sealed record RoomNodeView(RoomNodeSummary Summary, string Parameters, string Pack, byte[] Png, byte[]? ParentPng,
    IReadOnlyList<RoomCommentView> Comments, IReadOnlyDictionary<string, VerdictValue> Verdicts)
{
    public string DataUrl => Images.DataUrl(Png);
}

public sealed record RoomCommentView(long Id, long? ReplyTo, string Author, string Text, double? PinX, double? PinY, bool Resolved);

/// <param name="Expires">When it stops working (UTC), or null.</param>
public sealed record RoomLinkView(Guid Id, RoomRole Role, DateTime Created, bool Revoked, bool Yours, DateTime? Expires = null);

/// <param name="Token">The room's link, when this circuit opened it (to link back); null after a reload.</param>
public sealed record RoomTarget(string Title, RoomRole Role, string? Token);

/// <summary>What a result needs to become a room node, made by the host with the result: its kind, its method's
/// parameters as JSON, the W+ latent [1,<paramref name="Layers"/>,<paramref name="Width"/>] that reproduces it (for a
/// style-space edit: its start, with the edit in the parameters), and the room node its start came from.</summary>
public sealed record NodeDraft(string Kind, string Parameters, float[] Latent, int Layers, int Width, long? Origin);

/// <param name="Latent">The session latent to open Edit on.</param>
/// <param name="Global">A global-direction edit to apply again on that latent to get the node's image.</param>
public sealed record RoomContinuation(string Latent, GlobalReapply? Global);

public sealed record GlobalReapply(string Neutral, string Target, double Alpha, double Beta);
