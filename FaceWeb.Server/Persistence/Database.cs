using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace FaceWeb.Server.Persistence;

/// <summary>Opens FaceWeb's database: PostgreSQL when <c>ConnectionStrings:Postgres</c> is set, else SQLite in
/// <c>{FaceWeb:Data}/faceweb.db</c> (created, with the data folder, on first start). Migrations run at start.</summary>
public sealed class Database
{
    readonly DbContextOptions<SqliteFaceWebDb>? sqlite;
    readonly DbContextOptions<PostgresFaceWebDb>? postgres;

    public string Provider { get; }
    /// <summary>Where the data is, for the log (no password).</summary>
    public string Location { get; }

    /// <param name="busySeconds">How long a SQLite write waits for another program's lock before it gives up with a clear error.</param>
    public Database(string? postgresConnection, string dataDirectory, int busySeconds = 5)
    {
        if (postgresConnection is { Length: > 0 } cs)
        {
            postgres = new DbContextOptionsBuilder<PostgresFaceWebDb>().UseNpgsql(cs).Options;
            var b = new Npgsql.NpgsqlConnectionStringBuilder(cs);
            (Provider, Location) = ("PostgreSQL", $"{b.Host}:{b.Port}/{b.Database}");
        }
        else
        {
            Directory.CreateDirectory(dataDirectory);
            string file = Path.Combine(dataDirectory, "faceweb.db");
            sqlite = new DbContextOptionsBuilder<SqliteFaceWebDb>().UseSqlite($"Data Source={file};Default Timeout={busySeconds}").Options;
            (Provider, Location) = ("SQLite", file);
        }
    }

    public FaceWebDb Open() => postgres is not null ? new PostgresFaceWebDb(postgres) : new SqliteFaceWebDb(sqlite!);

    /// <summary>Brings the schema up to date. On PostgreSQL, servers starting together (scaled out) take turns: the
    /// first migrates under a session advisory lock, the others then find nothing to do.</summary>
    public async Task MigrateAsync(CancellationToken ct)
    {
        await using var db = Open();
        if (postgres is null) { await db.Database.MigrateAsync(ct); return; }
        await db.Database.OpenConnectionAsync(ct);
        await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_lock({MigrationLock})", ct);
        try { await db.Database.MigrateAsync(ct); }
        finally { await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_unlock({MigrationLock})", CancellationToken.None); }
    }

    /// <summary>The advisory lock's key ("FaceWeb" in ASCII).</summary>
    const long MigrationLock = 0x46616365576562;
}

/// <summary>Brings the database to the current schema before the app serves anyone.</summary>
public sealed class DatabaseMigrator(Database database, ILogger<DatabaseMigrator> log) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        try { await database.MigrateAsync(ct); }
        catch (Exception e) when (StorageErrors.Explain(e, $"The database at {database.Location} cannot be opened") is { } s)
        {
            // Not started over a database it cannot read: the file is left exactly as it is, for a backup or a repair.
            log.LogCritical("{Message}", s.Message);
            throw s;
        }
        log.LogInformation("Database: {Provider} at {Location}", database.Provider, database.Location);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}

/// <summary>For `dotnet ef migrations add NAME --context SqliteFaceWebDb --output-dir Persistence/Migrations/Sqlite`.</summary>
public sealed class SqliteDesignFactory : IDesignTimeDbContextFactory<SqliteFaceWebDb>
{
    public SqliteFaceWebDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteFaceWebDb>().UseSqlite("Data Source=design.db").Options);
}

/// <summary>For `dotnet ef migrations add NAME --context PostgresFaceWebDb --output-dir Persistence/Migrations/Postgres`.</summary>
public sealed class PostgresDesignFactory : IDesignTimeDbContextFactory<PostgresFaceWebDb>
{
    public PostgresFaceWebDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresFaceWebDb>().UseNpgsql("Host=localhost;Database=faceweb_design").Options);
}
