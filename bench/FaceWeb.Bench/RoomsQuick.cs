using System.Diagnostics;
using FaceWeb.Components.Services;
using FaceWeb.Server.Persistence;
using FaceWeb.Server.Rooms;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace FaceWeb.Bench;

/// <summary>`-- quick-rooms [nodes] [comments] [members]`: a room's size and its live fan-out, through the store the app
/// uses, on SQLite in a temporary data folder (or PostgreSQL with FACEWEB_POSTGRES). Opening: the room page's
/// <c>LoadAsync</c> plus one node, from a store that has read nothing yet. Fan-out: a post reaches each of the members, and each reads the room again as the
/// page does; latency from the post's start to each member's read being done.</summary>
public static class RoomsQuick
{
    public static void Run(int nodes, int comments, int members)
    {
        var (data, db, events, config, store, owner) = Open();

        var sw = Stopwatch.StartNew();
        var ids = new List<long>();
        for (int i = 0; i < nodes; i++) ids.Add(store.PostNodeAsync(owner, "m", Node(i == 0 ? null : ids[(i - 1) / 2])).GetAwaiter().GetResult());
        for (int i = 0; i < comments; i++) store.CommentAsync(owner, "m", ids[i % ids.Count], "owner", $"comment {i}", i % 3 == 0 ? 0.5 : null, i % 3 == 0 ? 0.5 : null).GetAwaiter().GetResult();
        Console.WriteLine($"{db.Provider}: filled {nodes} nodes and {comments} comments in {sw.Elapsed.TotalSeconds:F1} s");

        var open = new List<double>();
        for (int i = 0; i < 12; i++)
        {
            var cold = new RoomStore(db, events, TimeProvider.System, config);           // nothing read yet: as after a restart
            var t = Stopwatch.StartNew();
            var room = cold.LoadAsync(owner).GetAwaiter().GetResult();
            cold.NodeAsync(owner, room.Nodes[^1].Id).GetAwaiter().GetResult();
            open.Add(t.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"open a room of {nodes} nodes / {comments} comments (load + one node): median {Median(open):F0} ms, max {open.Skip(2).Max():F0} ms (after 2 warm-ups)");

        var latencies = new List<double>();
        var pending = new CountdownEvent(0);
        var started = Stopwatch.StartNew();
        double postStart = 0;
        var subs = Enumerable.Range(0, members).Select(_ => events.Subscribe(owner.RoomId, e =>
        {
            if (e.Kind != RoomEventKind.NodePosted) return;
            ThreadPool.QueueUserWorkItem(_ =>                                          // as RoomService hands events to pages
            {
                store.LoadAsync(owner).GetAwaiter().GetResult();
                lock (latencies) latencies.Add(started.Elapsed.TotalMilliseconds - postStart);
                pending.Signal();
            });
        })).ToList();
        for (int i = 0; i < 30; i++)
        {
            pending.Reset(members);
            postStart = started.Elapsed.TotalMilliseconds;
            store.PostNodeAsync(owner, "m", Node(ids[0])).GetAwaiter().GetResult();
            pending.Wait();
        }
        foreach (var s in subs) s.Dispose();
        latencies.Sort();
        Console.WriteLine($"post → {members} members each read the room again: p50 {latencies[latencies.Count / 2]:F0} ms, p95 {latencies[(int)(latencies.Count * 0.95)]:F0} ms ({latencies.Count} deliveries)");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(data, true); } catch (IOException) { }
    }

    /// <summary>`-- quick-live-rooms PACK [sessions] [seconds] [posts/s] [members]`: quick-live's sessions dragging, once
    /// alone and once while a room with <paramref name="members"/> members gets <paramref name="postsPerSecond"/> posts a
    /// second (each post written, fanned out, and read again by every member as their pages do), to see whether
    /// posting slows other users' frames.</summary>
    public static void PostingAlongsideLive(string pack, int sessions, int seconds, double postsPerSecond, int members)
    {
        var (data, db, events, _, store, owner) = Open();
        int posted = 0, delivered = 0;
        var subs = Enumerable.Range(0, members).Select(_ => events.Subscribe(owner.RoomId, e =>
        {
            if (e.Kind == RoomEventKind.NodePosted)
                ThreadPool.QueueUserWorkItem(_ => { store.LoadAsync(owner).GetAwaiter().GetResult(); Interlocked.Increment(ref delivered); });
        })).ToList();

        Console.WriteLine("— frames alone —");
        LiveQuick.Run(pack, sessions, seconds);
        Console.WriteLine($"— frames while the room gets {postsPerSecond} posts/s, {members} members —");
        LiveQuick.Run(pack, sessions, seconds, async stop =>
        {
            var period = TimeSpan.FromSeconds(1 / postsPerSecond);
            using var timer = new PeriodicTimer(period);
            try
            {
                while (await timer.WaitForNextTickAsync(stop))
                {
                    await store.PostNodeAsync(owner, "m", Node(null));
                    posted++;
                }
            }
            catch (OperationCanceledException) { }
        });
        Console.WriteLine($"posted {posted} nodes; {delivered} member reads ({db.Provider})");
        foreach (var sub in subs) sub.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(data, true); } catch (IOException) { }
    }

    /// <summary>A room store as the app has it (no write limit), over SQLite in a temporary folder or FACEWEB_POSTGRES, with one room.</summary>
    static (string Data, Database Db, InProcessRoomEvents Events, IConfiguration Config, RoomStore Store, RoomAccess Owner) Open()
    {
        string data = Directory.CreateTempSubdirectory("faceweb-bench-rooms-").FullName;
        var db = new Database(Environment.GetEnvironmentVariable("FACEWEB_POSTGRES"), data);
        db.MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
        var events = new InProcessRoomEvents(NullLogger<InProcessRoomEvents>.Instance);
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["FaceWeb:RoomWritesPerMinute"] = "1000000" }).Build();
        var store = new RoomStore(db, events, TimeProvider.System, config);
        var owner = store.ResolveAsync(store.CreateAsync("bench", "owner").GetAwaiter().GetResult().OwnerToken).GetAwaiter().GetResult();
        return (data, db, events, config, store, owner);
    }

    static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. new byte[6000]];    // about a 64 px face's PNG
    static readonly float[] Latent = new float[10 * 256];                                                 // the default pack's W+

    static NewNode Node(long? parent) => new(parent, "edit", "global direction", """{"alpha":3}""", "faceweb-mini", new string('a', 64), Latent, 10, 256, Png, "owner");

    static double Median(List<double> xs) { var s = xs.Order().ToList(); return s[s.Count / 2]; }
}
