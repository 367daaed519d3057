using FaceWeb.Components.Services;

namespace FaceWeb.Server.Persistence;

/// <summary>A review room. It is reached only through one of its links; there is no listing for strangers.</summary>
public sealed class Room
{
    public Guid Id { get; set; }
    public required string Title { get; set; }
    public required string OwnerName { get; set; }
    public DateTime Created { get; set; }
}

/// <summary>A capability link: the SHA-256 of a random 128-bit token (never the token), its role, and whether it still works.</summary>
public sealed class RoomLink
{
    public Guid Id { get; set; }
    public Guid RoomId { get; set; }
    public required string TokenHash { get; set; }
    public RoomRole Role { get; set; }
    public DateTime Created { get; set; }
    public DateTime? Expires { get; set; }
    public DateTime? Revoked { get; set; }
}

/// <summary>A posted result: its parent (the node it started from), what made it, the pack it came from, its W+ latent
/// (float32 little-endian) and its PNG, so that reopening it after a restart shows and re-renders the same face.</summary>
public sealed class RoomNode
{
    public long Id { get; set; }
    public Guid RoomId { get; set; }
    public long? ParentId { get; set; }
    public required string Kind { get; set; }
    public required string Method { get; set; }
    public required string Parameters { get; set; }
    public required string PackName { get; set; }
    public required string PackHash { get; set; }
    public required byte[] Latent { get; set; }
    public int Layers { get; set; }
    public int Width { get; set; }
    public required byte[] Png { get; set; }
    public required string Author { get; set; }
    public DateTime Created { get; set; }
}

/// <summary>A comment on a node, optionally pinned to a spot of its image (x, y in [0,1]) and replying to another.</summary>
public sealed class RoomComment
{
    public long Id { get; set; }
    public Guid RoomId { get; set; }
    public long NodeId { get; set; }
    public long? ReplyTo { get; set; }
    public required string Author { get; set; }
    public required string Text { get; set; }
    public double? PinX { get; set; }
    public double? PinY { get; set; }
    public bool Resolved { get; set; }
    public DateTime Created { get; set; }
}

/// <summary>One member's verdict on one node (the member is the browser session, shown by its display name).</summary>
public sealed class RoomVerdict
{
    public long Id { get; set; }
    public Guid RoomId { get; set; }
    public long NodeId { get; set; }
    public required string Member { get; set; }
    public required string Author { get; set; }
    public VerdictValue Value { get; set; }
    public DateTime Updated { get; set; }
}
