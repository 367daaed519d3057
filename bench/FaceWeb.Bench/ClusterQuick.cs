using System.Diagnostics;
using System.Text.RegularExpressions;
using FaceWeb.Server;
using FaceWeb.Server.Cluster;
using FaceWeb.Server.Rooms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FaceWeb.Bench;

/// <summary>`quick-cluster [sessions] [seconds]`: the cost of the engine pool. Simulated sessions ask for Generate's
/// frames (seed and ψ, a new input every 60–140 ms each, sent at once as FramePump does) through (1) this process's
/// engine (<see cref="SeedWork"/>, the default single-process path), (2) one engine silo and (3) two engine silos, each a
/// FaceWeb.Server process with FaceWeb:Role=engine on loopback (Release build; Redis from Debian's redis-server), this
/// process being the Orleans client a web front-end is. Then a room event's trip from one front-end to another
/// (<see cref="ClusterRoomEvents"/> on two Orleans clients). Reports frames/s, input→frame latency p50/p95 and the room
/// event's p50/p95.</summary>
public static partial class ClusterQuick
{
    public static async Task Run(int sessions, int seconds)
    {
        string repo = Repo(), server = Path.Combine(repo, "FaceWeb.Server", "bin", "Release", "net10.0", "linux-x64", "FaceWeb.Server.dll");
        if (!File.Exists(server)) throw new FileNotFoundException("Build the server in Release first (dotnet build FaceWeb.Server -c Release)", server);
        string pack = Path.Combine(repo, "models", "faceweb-mini");
        Console.WriteLine($"{sessions} sessions moving seed and ψ, input every 60–140 ms, {seconds} s each, pack {pack}, {Environment.ProcessorCount} cores");

        // (1) In this process, as `FaceWeb:Role=all` runs it.
        {
            var host = new EngineHost(Options.Create(new EngineOptions { Pack = pack }), new HostingEnvironment { ContentRootPath = repo },
                NullLogger<EngineHost>.Instance);
            await host.StartAsync(CancellationToken.None);
            await host.Ready;
            var work = new SeedWork(host);
            await Drive("in process", sessions, seconds, (client, seed, psi, ct) => work.FrameAsync(client, seed, psi, false, ct));
            await host.StopAsync(CancellationToken.None);
            host.Dispose();
        }

        await using var redis = await Redis.StartAsync();
        string cluster = "";
        var engines = new List<Process>();
        try
        {
            foreach (int silos in new[] { 1, 2 })
            {
                // A fresh cluster for each row: circuits left from the last row would count against its silo.
                Stop(engines);
                cluster = $"bench{Guid.NewGuid():N}"[..16];
                while (engines.Count < silos) engines.Add(await StartEngine(server, repo, redis.Endpoint, cluster, $"engine{engines.Count + 1}"));
                using var client = await Client(redis.Endpoint, cluster);
                var grains = client.Services.GetRequiredService<IClusterClient>();
                string hash = PackIdentity.Of(pack);
                var used = new Dictionary<string, HashSet<string>>();   // engine → sessions it served
                await Drive($"{silos} engine silo{(silos > 1 ? "s" : "")}", sessions, seconds, async (c, seed, psi, ct) =>
                {
                    var r = await grains.GetGrain<IEngineGrain>($"{hash}/{c}", null).Frame(seed, psi, false, ct);
                    lock (used) { if (!used.TryGetValue(r.Engine ?? "?", out var set)) used[r.Engine ?? "?"] = set = []; set.Add(c); }
                    return r;
                });
                Console.WriteLine($"  sessions per engine silo: {string.Join(", ", used.OrderBy(u => u.Key).Select(u => $"{u.Key} {u.Value.Count(c => c != "warm-up")}"))}");
                await client.StopAsync();
            }

            // A room event from front-end a to front-end b.
            using var a = await Client(redis.Endpoint, cluster);
            using var b = await Client(redis.Endpoint, cluster);
            var ea = new ClusterRoomEvents(a.Services.GetRequiredService<IClusterClient>(), new FrontEnd("a"), NullLogger<ClusterRoomEvents>.Instance);
            var eb = new ClusterRoomEvents(b.Services.GetRequiredService<IClusterClient>(), new FrontEnd("b"), NullLogger<ClusterRoomEvents>.Instance);
            var room = Guid.NewGuid();
            var arrived = new Dictionary<long, long>();
            var sent = new Dictionary<long, long>();
            using var heard = eb.Subscribe(room, e => { if (e.NodeId is long n) lock (arrived) arrived[n] = Stopwatch.GetTimestamp(); });
            eb.SharePresence(room, ["reader"]);
            ea.SharePresence(room, ["writer"]);
            var deadline = Stopwatch.StartNew();
            while (eb.PresentElsewhere(room).Count == 0 && deadline.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
            const int events = 300;
            for (long i = 1; i <= events; i++)
            {
                lock (arrived) sent[i] = Stopwatch.GetTimestamp();
                ea.Publish(new RoomEvent(room, RoomEventKind.CommentChanged, i));
                await Task.Delay(10);
            }
            await Task.Delay(1000);
            var ms = sent.Where(s => arrived.ContainsKey(s.Key)).Select(s => Stopwatch.GetElapsedTime(s.Value, arrived[s.Key]).TotalMilliseconds).Order().ToArray();
            Console.WriteLine($"room event, front-end a → grain → front-end b: {ms.Length} of {events} arrived, p50 {P(ms, 0.5):0.0} ms, p95 {P(ms, 0.95):0.0} ms, max {P(ms, 1):0.0} ms");
            await a.StopAsync();
            await b.StopAsync();
        }
        finally { Stop(engines); }
    }

    static void Stop(List<Process> engines)
    {
        foreach (var e in engines) { if (!e.HasExited) { Process.Start("kill", ["-TERM", $"{e.Id}"])!.WaitForExit(); e.WaitForExit(15_000); } e.Dispose(); }
        engines.Clear();
    }

    static double P(double[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];

    /// <summary>Sessions sending input at 60–140 ms; a frame counts when it is newer than the one the session shows.</summary>
    static async Task Drive(string what, int sessions, int seconds, Func<string, long, double, CancellationToken, Task<SeedResult>> frame)
    {
        await frame("warm-up", 0, 0.7, CancellationToken.None);
        var latencies = new List<double>();
        int shownTotal = 0, failed = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var clock = Stopwatch.StartNew();
        async Task User(int id)
        {
            var rng = new Random(id);
            long sentSeq = 0, shown = 0;
            var sends = new List<Task>();
            while (!stop.IsCancellationRequested)
            {
                try { await Task.Delay(rng.Next(60, 141), stop.Token); } catch (OperationCanceledException) { break; }
                long seq = ++sentSeq, asked = Stopwatch.GetTimestamp();
                long seed = rng.Next(0, 1000);
                double psi = rng.NextDouble() * 1.2;
                sends.Add(Task.Run(async () =>
                {
                    try { await frame($"session-{id}", seed, psi, CancellationToken.None); }
                    catch (OperationCanceledException) { return; }                       // replaced by newer input
                    catch (Exception) { Interlocked.Increment(ref failed); return; }
                    lock (latencies)
                    {
                        if (seq < shown) return;
                        shown = seq;
                        shownTotal++;
                        latencies.Add(Stopwatch.GetElapsedTime(asked).TotalMilliseconds);
                    }
                }));
            }
            await Task.WhenAll(sends);
        }
        await Task.WhenAll(Enumerable.Range(0, sessions).Select(User));
        double wall = clock.Elapsed.TotalSeconds;
        var sorted = latencies.Order().ToArray();
        Console.WriteLine($"{what,-16}: {shownTotal / wall,5:0.0} frames/s, latency p50 {P(sorted, 0.5):0} ms, p95 {P(sorted, 0.95):0} ms{(failed > 0 ? $", {failed} failed" : "")}");
    }

    static async Task<Process> StartEngine(string server, string repo, string redis, string cluster, string name)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.Combine(repo, "FaceWeb.Server"), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[server, "--urls", "http://127.0.0.1:0", "--FaceWeb:Role=engine", $"--FaceWeb:Cluster:Redis={redis}",
                     $"--FaceWeb:Cluster:ClusterId={cluster}", $"--FaceWeb:Cluster:Name={name}", $"--FaceWeb:Cluster:SiloPort={Redis.FreePort()}",
                     $"--FaceWeb:Cluster:GatewayPort={Redis.FreePort()}", $"--FaceWeb:Data={Directory.CreateTempSubdirectory("faceweb-bench-engine-").FullName}",
                     "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information"])
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        p.OutputDataReceived += (_, e) => { if (e.Data?.Contains("Now listening on", StringComparison.Ordinal) == true) up.TrySetResult(); };
        p.ErrorDataReceived += (_, _) => { };
        p.Exited += (_, _) => up.TrySetException(new InvalidOperationException($"{name} exited"));
        p.EnableRaisingEvents = true;
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        await up.Task.WaitAsync(TimeSpan.FromMinutes(2));
        return p;
    }

    /// <summary>An Orleans client of the cluster, configured as a web front-end's is (<see cref="ClusterHosting.AddWebFrontEnd"/>).</summary>
    static async Task<IHost> Client(string redis, string cluster)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration["FaceWeb:Cluster:Redis"] = redis;
        builder.Configuration["FaceWeb:Cluster:ClusterId"] = cluster;
        builder.AddOrleansClient();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    static string Repo()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "FaceWeb.sln"))) return d.FullName;
        throw new InvalidOperationException("FaceWeb.sln not found above the bench's output");
    }

    /// <summary>Debian's redis-server on a free loopback port, for the run.</summary>
    sealed class Redis(Process process, string endpoint) : IAsyncDisposable
    {
        public string Endpoint => endpoint;

        public static async Task<Redis> StartAsync()
        {
            int port = FreePort();
            var p = Process.Start(new ProcessStartInfo("redis-server", ["--port", $"{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                { RedirectStandardOutput = true })!;
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            p.OutputDataReceived += (_, e) => { if (e.Data?.Contains("Ready to accept", StringComparison.Ordinal) == true) ready.TrySetResult(); };
            p.BeginOutputReadLine();
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return new Redis(p, $"127.0.0.1:{port}");
        }

        public static int FreePort()
        {
            using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            l.Start();
            return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        }

        public ValueTask DisposeAsync()
        {
            process.Kill();
            process.WaitForExit();
            process.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
