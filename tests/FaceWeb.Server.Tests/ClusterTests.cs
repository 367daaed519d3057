using FaceWeb.Server.Cluster;
using FaceWeb.Server.Persistence;
using FaceWeb.Server.Rooms;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace FaceWeb.Server.Tests;

/// <summary>The scale-out pieces that do not need a cluster: pack placement, room presence from out-of-order messages,
/// servers migrating one PostgreSQL at the same time. The topology itself: FaceWeb.E2E's ClusterTests.</summary>
public sealed class ClusterTests
{
    static CancellationToken T => TestContext.Current.CancellationToken;

    sealed class Context(SiloAddress[] silos) : IPlacementContext
    {
        public SiloAddress[] GetCompatibleSilos(PlacementTarget target) => silos;
        public IReadOnlyDictionary<ushort, SiloAddress[]> GetCompatibleSilosWithVersions(PlacementTarget target) => throw new NotSupportedException();
        public SiloAddress LocalSilo => silos[0];
        public SiloStatus LocalSiloStatus => SiloStatus.Active;
    }

    static SiloAddress Silo(int port) => SiloAddress.New(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port), 1);

    static PlacementTarget Target(string key) =>
        new(GrainId.Create("faceweb.engine", key), new Dictionary<string, object>(), default, 0);

    [Fact]
    public async Task An_engine_grain_goes_only_to_silos_with_its_pack()
    {
        SiloAddress a = Silo(1001), b = Silo(1002), c = Silo(1003);
        var director = new PackPlacementDirector(new Dictionary<SiloAddress, string> { [a] = "aaaa", [b] = "bbbb", [c] = "bbbb" }.GetValueOrDefault);
        var context = new Context([a, b, c]);
        var chosen = new HashSet<SiloAddress>();
        for (int i = 0; i < 40; i++) chosen.Add(await director.OnAddActivation(new PackPlacement(), Target($"bbbb/circuit{i}"), context));
        Assert.Equal(new HashSet<SiloAddress> { b, c }, chosen);                       // both silos with the pack, never the other
        Assert.Equal(a, await director.OnAddActivation(new PackPlacement(), Target("aaaa/x"), context));
        var none = await Assert.ThrowsAsync<InvalidOperationException>(() => director.OnAddActivation(new PackPlacement(), Target("cccc/x"), context));
        Assert.Contains("No engine server has the model pack cccc loaded", none.Message);
    }

    [Fact]
    public async Task A_new_circuit_goes_to_the_silo_with_the_pack_that_has_the_fewest_circuits()
    {
        SiloAddress a = Silo(1001), b = Silo(1002), c = Silo(1003);
        var packs = new Dictionary<SiloAddress, string> { [a] = "aaaa", [b] = "bbbb", [c] = "bbbb" };
        var counts = new Dictionary<SiloAddress, int> { [a] = 0, [b] = 5, [c] = 2 };   // a has none, but not the pack
        var director = new PackPlacementDirector(packs.GetValueOrDefault, () => Task.FromResult<IReadOnlyDictionary<SiloAddress, int>>(counts));
        var context = new Context([a, b, c]);
        for (int i = 0; i < 10; i++) Assert.Equal(c, await director.OnAddActivation(new PackPlacement(), Target($"bbbb/circuit{i}"), context));
        counts[c] = 9;
        Assert.Equal(b, await director.OnAddActivation(new PackPlacement(), Target("bbbb/next"), context));

        // Counts that do not come (a silo not yet declared dead): placed anyway, among the silos with the pack.
        var silent = new PackPlacementDirector(packs.GetValueOrDefault, () => new TaskCompletionSource<IReadOnlyDictionary<SiloAddress, int>>().Task);
        Assert.Contains(await silent.OnAddActivation(new PackPlacement(), Target("bbbb/x"), context), new[] { b, c });
    }

    [Fact]
    public async Task Presence_from_other_front_ends_keeps_the_newest_version_whatever_order_it_arrives_in()
    {
        var events = new ClusterRoomEvents(null!, new FrontEnd("web1"), NullLogger<ClusterRoomEvents>.Instance);
        var room = Guid.NewGuid();
        var heard = new List<RoomEventKind>();
        using var _ = events.Subscribe(room, e => heard.Add(e.Kind));
        await events.Heard(new RoomEvent(room, RoomEventKind.PresenceChanged), new Elsewhere(2, ["Grace"]));
        await events.Heard(new RoomEvent(room, RoomEventKind.PresenceChanged), new Elsewhere(1, []));   // older, arrived later
        Assert.Equal(["Grace"], events.PresentElsewhere(room));
        await events.Heard(new RoomEvent(room, RoomEventKind.NodePosted, 7), new Elsewhere(3, ["Grace", "Lin"]));
        Assert.Equal(["Grace", "Lin"], events.PresentElsewhere(room));
        Assert.Equal([RoomEventKind.PresenceChanged, RoomEventKind.PresenceChanged, RoomEventKind.NodePosted], heard);   // every event reaches the page
        Assert.Empty(events.PresentElsewhere(Guid.NewGuid()));
    }

    [Fact]
    public void A_web_front_end_refuses_training_from_the_app_and_says_why()
    {
        static IConfiguration Role(string role) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["FaceWeb:Role"] = role }).Build();
        var open = Microsoft.Extensions.Options.Options.Create(new EngineOptions { Training = TrainingMode.Open });
        using var web = new TrainingPolicy(open, Role("web"));
        Assert.Contains("several engine servers", web.Unavailable);
        Assert.Contains("several engine servers", Assert.Throws<InvalidOperationException>(() => web.Acquire("a mapper")).Message);
        using var single = new TrainingPolicy(open, Role("all"));
        Assert.Null(single.Unavailable);
        single.Acquire("a mapper");
    }

    [Fact]
    public void A_session_view_brings_psi_and_the_start_latent_to_an_engine_silo()
    {
        var db = new Database(null, Directory.CreateTempSubdirectory("faceweb-view-").FullName);
        var web = new SessionLatentStore(db, NullLogger<SessionLatentStore>.Instance);
        web.SetTruncation(0.55);
        float[] values = [1, 2, 3, 4, 5, 6];
        string id = web.Add(values, [1, 2, 3], "room node #42", [1, 2, 3], origin: 42);

        var silo = new SessionLatentStore(db, NullLogger<SessionLatentStore>.Instance);
        silo.Mirror(web.View(id));
        Assert.Equal(0.55, silo.Truncation);
        Assert.Equal(("room node #42", (long?)42), silo.Provenance(0, id));                // a post from the silo's frame keeps its origin
        using (var w = silo.Get(id, 2, 3)) Assert.Equal(values, w.data<float>().ToArray());
        Assert.Equal(("seed 7, ψ 0.55", (long?)null), silo.Provenance(7, null));

        silo.Mirror(web.View("gone"));                                                       // a latent the session no longer has
        Assert.Contains("no longer in this session", Assert.Throws<ArgumentException>(() => silo.Get("gone", 2, 3)).Message);
    }

    [Fact]
    public async Task Servers_starting_together_migrate_one_PostgreSQL_database_without_tripping_over_each_other()
    {
        var b = new Npgsql.NpgsqlConnectionStringBuilder(PostgresServer.Connection());
        string name = "race" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new Npgsql.NpgsqlConnection(b.ConnectionString))
        {
            await admin.OpenAsync(T);
            await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync(T);
        }
        b.Database = name;
        string data = Directory.CreateTempSubdirectory("faceweb-race-").FullName;
        var servers = Enumerable.Range(0, 4).Select(_ => new Database(b.ConnectionString, data)).ToArray();
        await Task.WhenAll(servers.Select(s => Task.Run(() => s.MigrateAsync(T), T)));   // before: "column already exists"
        await using var db = servers[0].Open();
        Assert.Equal(0, await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.Rooms, T));
    }
}
