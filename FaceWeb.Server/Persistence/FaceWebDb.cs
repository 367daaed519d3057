using FaceWeb.Components.Services;
using Microsoft.EntityFrameworkCore;

namespace FaceWeb.Server.Persistence;

/// <summary>A browser's plain (non-room) session: who it is (the SHA-256 of its cookie's random key, never the key),
/// and where its Edit page stands.</summary>
public sealed class BrowserSession
{
    public Guid Id { get; set; }
    public required string KeyHash { get; set; }
    public DateTime Created { get; set; }
    public DateTime LastSeen { get; set; }
    public long StartSeed { get; set; }
    public string? StartLatent { get; set; }
    /// <summary>ψ for seeds, as last chosen on Generate.</summary>
    public double StartTruncation { get; set; } = 0.7;
    /// <summary>The room link this browser joined last (Edit and Compare post there) and the display name it joined with.</summary>
    public Guid? RoomLink { get; set; }
    public string? RoomName { get; set; }
}

/// <summary>A W+ latent the session made (text → face, sketch → face, photo …), as float32 little-endian bytes.</summary>
public sealed class StoredLatent
{
    public required string Id { get; set; }
    public Guid SessionId { get; set; }
    public required string Label { get; set; }
    public required byte[] Thumbnail { get; set; }
    public required byte[] Data { get; set; }
    public int Layers { get; set; }
    public int Width { get; set; }
    public DateTime Created { get; set; }
    /// <summary>The room node it was continued from.</summary>
    public long? OriginNode { get; set; }
}

/// <summary>One entry of the Edit page's history, with what a room needs to post it (when it can be posted).</summary>
public sealed class StoredEdit
{
    public long Id { get; set; }
    public Guid SessionId { get; set; }
    public required byte[] Png { get; set; }
    public required string Method { get; set; }
    public required string Detail { get; set; }
    public double Milliseconds { get; set; }
    public int? ChannelsMoved { get; set; }
    public DateTime Created { get; set; }
    public string? Kind { get; set; }
    public string? Parameters { get; set; }
    public byte[]? Latent { get; set; }
    public int Layers { get; set; }
    public int Width { get; set; }
    public long? OriginNode { get; set; }
}

/// <summary>FaceWeb's database: SQLite by default (a file in the data folder), PostgreSQL with a connection string.
/// Each provider has its own migrations (<see cref="SqliteFaceWebDb"/>, <see cref="PostgresFaceWebDb"/>).</summary>
public abstract class FaceWebDb(DbContextOptions options) : DbContext(options)
{
    /// <summary>One transaction, as always; a database failure comes out as a <see cref="StorageException"/> that says what to do.</summary>
    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken ct = default) =>
        StorageErrors.Guard(() => base.SaveChangesAsync(acceptAllChangesOnSuccess, ct));

    public DbSet<BrowserSession> Sessions => Set<BrowserSession>();
    public DbSet<StoredLatent> Latents => Set<StoredLatent>();
    public DbSet<StoredEdit> Edits => Set<StoredEdit>();
    public DbSet<Room> Rooms => Set<Room>();
    public DbSet<RoomLink> RoomLinks => Set<RoomLink>();
    public DbSet<RoomNode> RoomNodes => Set<RoomNode>();
    public DbSet<RoomComment> RoomComments => Set<RoomComment>();
    public DbSet<RoomVerdict> RoomVerdicts => Set<RoomVerdict>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<BrowserSession>(e =>
        {
            e.HasKey(s => s.Id);
            e.Property(s => s.KeyHash).HasMaxLength(64);
            e.HasIndex(s => s.KeyHash).IsUnique();
            e.Property(s => s.StartLatent).HasMaxLength(32);
            e.Property(s => s.StartTruncation).HasDefaultValue(0.7);
            e.Property(s => s.RoomName).HasMaxLength(RoomLimits.NameLength * 2);
        });
        b.Entity<StoredLatent>(e =>
        {
            e.HasKey(l => l.Id);
            e.Property(l => l.Id).HasMaxLength(32);
            e.Property(l => l.Label).HasMaxLength(600);
            e.HasIndex(l => new { l.SessionId, l.Created });
            e.HasOne<BrowserSession>().WithMany().HasForeignKey(l => l.SessionId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<StoredEdit>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Method).HasMaxLength(40);
            e.Property(x => x.Detail).HasMaxLength(1200);
            e.Property(x => x.Kind).HasMaxLength(20);
            e.Property(x => x.Parameters).HasMaxLength(RoomLimits.ParametersLength * 2);
            e.HasIndex(x => new { x.SessionId, x.Created });
            e.HasOne<BrowserSession>().WithMany().HasForeignKey(x => x.SessionId).OnDelete(DeleteBehavior.Cascade);
        });
        // Rooms: everything of a room goes when the room goes (the owner's delete), in one statement.
        b.Entity<Room>(e =>
        {
            e.HasKey(r => r.Id);
            e.Property(r => r.Title).HasMaxLength(RoomLimits.TitleLength * 2);
            e.Property(r => r.OwnerName).HasMaxLength(RoomLimits.NameLength * 2);
        });
        b.Entity<RoomLink>(e =>
        {
            e.HasKey(l => l.Id);
            e.Property(l => l.TokenHash).HasMaxLength(64);
            e.HasIndex(l => l.TokenHash).IsUnique();
            e.HasOne<Room>().WithMany().HasForeignKey(l => l.RoomId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<RoomNode>(e =>
        {
            e.HasKey(n => n.Id);
            e.Property(n => n.Kind).HasMaxLength(20);
            e.Property(n => n.Method).HasMaxLength(40);
            e.Property(n => n.PackName).HasMaxLength(200);
            e.Property(n => n.PackHash).HasMaxLength(64);
            e.Property(n => n.Author).HasMaxLength(RoomLimits.NameLength * 2);
            e.HasIndex(n => new { n.RoomId, n.Id });
            e.HasOne<Room>().WithMany().HasForeignKey(n => n.RoomId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<RoomComment>(e =>
        {
            e.HasKey(c => c.Id);
            e.Property(c => c.Author).HasMaxLength(RoomLimits.NameLength * 2);
            e.Property(c => c.Text).HasMaxLength(RoomLimits.CommentLength * 2);
            e.HasIndex(c => new { c.RoomId, c.NodeId });
            e.HasOne<Room>().WithMany().HasForeignKey(c => c.RoomId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<RoomVerdict>(e =>
        {
            e.HasKey(v => v.Id);
            e.Property(v => v.Member).HasMaxLength(64);
            e.Property(v => v.Author).HasMaxLength(RoomLimits.NameLength * 2);
            e.HasIndex(v => new { v.NodeId, v.Member }).IsUnique();
            e.HasIndex(v => v.RoomId);
            e.HasOne<Room>().WithMany().HasForeignKey(v => v.RoomId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}

public sealed class SqliteFaceWebDb(DbContextOptions<SqliteFaceWebDb> options) : FaceWebDb(options);
public sealed class PostgresFaceWebDb(DbContextOptions<PostgresFaceWebDb> options) : FaceWebDb(options);
