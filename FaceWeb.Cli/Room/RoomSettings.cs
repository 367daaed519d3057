using System.ComponentModel;
using FaceWeb.Server.Persistence;
using FaceWeb.Server.Rooms;
using Microsoft.Extensions.Configuration;
using Spectre.Console.Cli;

namespace FaceWeb.Cli;

/// <summary>Where the review rooms are: the app's database, SQLite in a data folder or PostgreSQL, as the server finds it.</summary>
public class RoomSettings : CommandSettings
{
    [CommandOption("--data <DIR>"), Description("the app's data folder (FaceWeb:Data); default FaceWeb.Server/data, where `dotnet run --project FaceWeb.Server` keeps it")]
    public string Data { get; init; } = Path.Combine("FaceWeb.Server", "data");

    [CommandOption("--postgres <CONNECTION>"), Description("a PostgreSQL connection string (else $ConnectionStrings__Postgres, else SQLite in --data)")]
    public string? Postgres { get; init; }

    /// <summary>The database (brought to the current schema, as the app does at start) and the room store and archive over
    /// it. A SQLite database that is not there is an error, unless <paramref name="create"/> (an import into a new folder).</summary>
    public async Task<(RoomStore Store, RoomArchive Archive)> OpenAsync(CancellationToken ct, bool create = false)
    {
        string? postgres = Postgres ?? Environment.GetEnvironmentVariable("ConnectionStrings__Postgres");
        if (postgres is null && !create && !File.Exists(Path.Combine(Data, "faceweb.db")))
            throw new DirectoryNotFoundException($"No FaceWeb database in '{Path.GetFullPath(Data)}' (give the app's data folder with --data, or --postgres).");
        var database = new Database(postgres, Data);
        await database.MigrateAsync(ct);
        var store = new RoomStore(database, new InProcessRoomEvents(Microsoft.Extensions.Logging.Abstractions.NullLogger<InProcessRoomEvents>.Instance), TimeProvider.System, new ConfigurationBuilder().Build());
        return (store, new RoomArchive(database, store));
    }
}

