using System.Diagnostics;
using FaceWeb.Engine;
using FaceWeb.Engine.Jobs;

namespace FaceWeb.Bench;

/// <summary>`quick-live PACK [sessions] [seconds]`: simulated users dragging at once. Each session sends input at
/// random 60–140 ms intervals and keeps one frame in flight, the newest input next (what the app's FramePump does), through
/// one <see cref="EngineScheduler"/> that renders the pack's generator to PNG like the Generate page. Reports frames per
/// session (min/max), input→frame latency (p50/p95), each session's longest wait between frames, and CPU use.</summary>
public static class LiveQuick
{
    sealed class Session(int id)
    {
        public readonly string Client = $"session-{id}";
        public readonly Random Rng = new(id);
        public readonly object Gate = new();
        public (long Seed, double Psi, long Ticks)? Newest;
        public bool InFlight;
        public readonly List<double> LatencyMs = [];
        public long LastFrame = Stopwatch.GetTimestamp();
        public double LongestGapMs;
    }

    public static void Run(string pack, int sessions = 8, int seconds = 60)
    {
        using var engine = FaceEngine.FromPack(pack);
        using var scheduler = new EngineScheduler();
        engine.RenderSeedPng(0, 0.7);                                            // warm-up
        var all = Enumerable.Range(0, sessions).Select(i => new Session(i)).ToArray();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));

        async Task Pump(Session s)
        {
            while (true)
            {
                (long Seed, double Psi, long Ticks) input;
                lock (s.Gate)
                {
                    if (s.Newest is null || stop.IsCancellationRequested) { s.InFlight = false; return; }
                    input = s.Newest.Value;
                    s.Newest = null;
                }
                await scheduler.RunAsync(s.Client, _ => engine.RenderSeedPng(input.Seed, input.Psi));
                long now = Stopwatch.GetTimestamp();
                lock (s.Gate)
                {
                    s.LatencyMs.Add(Stopwatch.GetElapsedTime(input.Ticks, now).TotalMilliseconds);
                    s.LongestGapMs = Math.Max(s.LongestGapMs, Stopwatch.GetElapsedTime(s.LastFrame, now).TotalMilliseconds);
                    s.LastFrame = now;
                }
            }
        }

        async Task User(Session s)
        {
            var pumps = new List<Task>();
            while (!stop.IsCancellationRequested)
            {
                try { await Task.Delay(s.Rng.Next(60, 141), stop.Token); } catch (OperationCanceledException) { break; }
                lock (s.Gate)
                {
                    s.Newest = (s.Rng.Next(0, 1000), s.Rng.NextDouble() * 1.2, Stopwatch.GetTimestamp());
                    if (s.InFlight) continue;
                    s.InFlight = true;
                }
                pumps.Add(Pump(s));
            }
            await Task.WhenAll(pumps);
        }

        Task.WaitAll(all.Select(User).ToArray());
        double wall = clock.Elapsed.TotalSeconds, cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        var latencies = all.SelectMany(s => s.LatencyMs).Order().ToArray();
        double P(double q) => latencies.Length == 0 ? double.NaN : latencies[Math.Min(latencies.Length - 1, (int)(q * latencies.Length))];
        Console.WriteLine($"{sessions} sessions, {wall:0.0} s, pack {engine.Pack.Name} ({engine.Pack.Resolution} px), {Environment.ProcessorCount} cores");
        Console.WriteLine($"frames per session: {string.Join(" ", all.Select(s => s.LatencyMs.Count))}");
        Console.WriteLine($"min {all.Min(s => s.LatencyMs.Count)}, max {all.Max(s => s.LatencyMs.Count)}, total {latencies.Length} ({latencies.Length / wall:0.0}/s)");
        Console.WriteLine($"input→frame latency: p50 {P(0.5):0} ms, p95 {P(0.95):0} ms, max {P(1):0} ms");
        Console.WriteLine($"longest wait between frames per session: {string.Join(" ", all.Select(s => s.LongestGapMs.ToString("0")))} ms");
        Console.WriteLine($"CPU {cpu / wall * 100:0} % of one core");
    }
}
