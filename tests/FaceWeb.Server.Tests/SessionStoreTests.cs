using FaceWeb.Components.Services;
using FaceWeb.Server.Persistence;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace FaceWeb.Server.Tests;

/// <summary>A browser session's latents, Edit history and start survive the circuit (a reload, a server restart: a
/// new store over the same database finds them), on both real databases: SQLite in a temporary data folder, and
/// PostgreSQL (<see cref="PostgresServer"/>: FACEWEB_POSTGRES, else a private server started from Debian's package).</summary>
public sealed class SessionStoreTests : IDisposable
{
    static CancellationToken T => TestContext.Current.CancellationToken;
    readonly string data = Directory.CreateTempSubdirectory("faceweb-sessions-").FullName;

    public static TheoryData<string> Providers => ["sqlite", "postgres"];

    async Task<Database> Open(string provider)
    {
        string? pg = provider == "postgres" ? PostgresServer.Connection() : null;
        var db = new Database(pg, data);
        await db.MigrateAsync(T);
        return db;
    }

    static string NewKey() => Secrets.NewToken();

    [Theory, MemberData(nameof(Providers))]
    public async Task A_new_circuit_with_the_same_key_finds_latents_history_and_start(string provider)
    {
        var db = await Open(provider);
        string key = NewKey();
        var first = new SessionLatentStore(db, NullLogger<SessionLatentStore>.Instance);
        await first.AttachAsync(key, T);
        Assert.Null(first.NotKept);
        using var w = arange(8 * 16, dtype: float32).reshape(1, 8, 16) / 100;
        string id = first.Add(w, "\"an old man with glasses\" (seed 3)", [1, 2, 3]);
        first.Record(new EditFrame([9, 8, 7], "global", "α 3.0", 12.5, 42));
        first.Record(new EditFrame([6, 5], "sliders", "age +2.0", 3));
        first.SetStart(0, id);
        await first.DisposeAsync();                                        // the circuit ends (a reload, a restart)

        var again = new SessionLatentStore(db, NullLogger<SessionLatentStore>.Instance);
        await again.AttachAsync(key, T);
        var latent = Assert.Single(again.Items);
        Assert.Equal((id, "\"an old man with glasses\" (seed 3)"), (latent.Id, latent.Label));
        Assert.Equal([1, 2, 3], latent.Thumbnail);
        using (var back = again.Get(id, 8, 16)) Assert.True(back.allclose(w, rtol: 0, atol: 0));
        Assert.Equal(["age +2.0", "α 3.0"], again.History.Select(h => h.Detail));
        Assert.Equal([9, 8, 7], again.History[1].Png);
        Assert.Equal(42, again.History[1].ChannelsMoved);
        Assert.Equal((0L, id), again.Start);

        var stranger = new SessionLatentStore(db, NullLogger<SessionLatentStore>.Instance);
        await stranger.AttachAsync(NewKey(), T);
        Assert.Empty(stranger.Items);
        Assert.Empty(stranger.History);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Only_the_newest_latents_and_history_entries_are_kept(string provider)
    {
        var db = await Open(provider);
        string key = NewKey();
        var store = new SessionLatentStore(db, NullLogger<SessionLatentStore>.Instance);
        await store.AttachAsync(key, T);
        using var w = zeros(1, 8, 16);
        var ids = Enumerable.Range(0, SessionLatentStore.Limit + 3).Select(i => store.Add(w, $"face {i}", [(byte)i])).ToList();
        for (int i = 0; i < SessionLatentStore.HistoryLimit + 2; i++) store.Record(new EditFrame([1], "global", $"edit {i}", 1));
        await store.FlushAsync();

        var again = new SessionLatentStore(db, NullLogger<SessionLatentStore>.Instance);
        await again.AttachAsync(key, T);
        Assert.Equal(ids[^SessionLatentStore.Limit..].AsEnumerable().Reverse(), again.Items.Select(l => l.Id));
        Assert.Equal(SessionLatentStore.HistoryLimit, again.History.Count);
        Assert.Equal($"edit {SessionLatentStore.HistoryLimit + 1}", again.History[0].Detail);
    }

    [Fact]
    public async Task Without_a_key_the_session_says_it_is_not_kept()
    {
        var store = new SessionLatentStore(new Database(null, data), NullLogger<SessionLatentStore>.Instance);
        await store.AttachAsync(null, T);
        Assert.NotNull(store.NotKept);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(data, true); } catch (IOException) { }
    }
}
