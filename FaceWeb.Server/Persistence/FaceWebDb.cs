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
}

/// <summary>One entry of the Edit page's history.</summary>
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
}

/// <summary>FaceWeb's database: SQLite by default (a file in the data folder), PostgreSQL with a connection string.
/// Each provider has its own migrations (<see cref="SqliteFaceWebDb"/>, <see cref="PostgresFaceWebDb"/>).</summary>
public abstract class FaceWebDb(DbContextOptions options) : DbContext(options)
{
    public DbSet<BrowserSession> Sessions => Set<BrowserSession>();
    public DbSet<StoredLatent> Latents => Set<StoredLatent>();
    public DbSet<StoredEdit> Edits => Set<StoredEdit>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<BrowserSession>(e =>
        {
            e.HasKey(s => s.Id);
            e.Property(s => s.KeyHash).HasMaxLength(64);
            e.HasIndex(s => s.KeyHash).IsUnique();
            e.Property(s => s.StartLatent).HasMaxLength(32);
            e.Property(s => s.StartTruncation).HasDefaultValue(0.7);
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
            e.HasIndex(x => new { x.SessionId, x.Created });
            e.HasOne<BrowserSession>().WithMany().HasForeignKey(x => x.SessionId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}

public sealed class SqliteFaceWebDb(DbContextOptions<SqliteFaceWebDb> options) : FaceWebDb(options);
public sealed class PostgresFaceWebDb(DbContextOptions<PostgresFaceWebDb> options) : FaceWebDb(options);
