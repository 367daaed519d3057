using System.Diagnostics;
using FaceWeb.Engine;
using FaceWeb.Components.Services;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Jobs;
using FaceWeb.Server;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace FaceWeb.Bench;

/// <summary>`quick-live PACK [sessions] [seconds]`: simulated users dragging at once. Each session sends input at
/// random 60–140 ms intervals the way the app's FramePump does (each input at once; the scheduler coalesces), through
/// one <see cref="EngineScheduler"/> that renders the pack's generator to PNG like the Generate page, batching the frames
/// asked for at the same time (<see cref="FaceEngine.SeedFrames"/>, up to `batch`; 1 renders each alone). Reports frames per
/// session (min/max), input→frame latency (p50/p95), each session's longest wait between frames, and CPU use.</summary>
public static class LiveQuick
{
    sealed class Session(int id)
    {
        public readonly string Client = $"session-{id}";
        public readonly Random Rng = new(id);
        public readonly object Gate = new();
        public long Sent, Shown;
        public int Replaced;
        public readonly List<double> LatencyMs = [];
        public long LastFrame = Stopwatch.GetTimestamp();
        public readonly long Face = id;
        public double LongestGapMs;
    }

    /// <param name="alongside">Other work of the server run at the same time (e.g. room posts), given the run's stop token.</param>
    /// <param name="batch">the most frames one forward renders for several sessions (1: each frame alone, as before batching).</param>
    /// <param name="interval">each session's pause between inputs, drawn uniformly from this range in ms (60–140 by default;
    /// Chromium's drags in the E2E tests send about 27 a second, 30–45 ms).</param>
    /// <param name="sliders">each session moves the pack's first slider on a face of its own (the app's sliders path:
    /// <see cref="LoadedPack.EditFrames"/>) instead of moving seed and ψ (Generate's frames, <see cref="FaceEngine.SeedFrames"/>).</param>
    /// <param name="optimising">one more client runs a long latent optimisation meanwhile, one step per turn, as the app's
    /// Edit page does.</param>
    public static void Run(string pack, int sessions = 8, int seconds = 60, Func<CancellationToken, Task>? alongside = null, int batch = 8,
        (int Min, int Max)? interval = null, bool sliders = false, bool optimising = false)
    {
        var (minMs, maxMs) = interval ?? (60, 140);
        using var engine = FaceEngine.FromPack(pack);
        using var scheduler = new EngineScheduler();
        long batchSizes = 0, delivered = 0;
        var frames = engine.SeedFrames(batch);
        var loaded = sliders || optimising ? scheduler.RunAsync("load", _ => LoadedPack.Load(engine, pack, null, new EngineOptions { FrameBatch = batch }, NullLogger.Instance)).Result : null;
        int optimisationSteps = 0;
        if (optimising)
        {
            var before = alongside;
            alongside = async stop =>
            {
                IEnumerator<EditResult?>? steps = null;
                Tensor? start = null;
                var others = before?.Invoke(stop) ?? Task.CompletedTask;
                try
                {
                    while (!stop.IsCancellationRequested)
                        await scheduler.RunAsync("optimiser", _ =>
                        {
                            if (steps is null)
                            {
                                start = loaded!.Editor.SeedStart(99, 0.7);
                                steps = loaded.Editor.Optimise(start, loaded.Editor.EditOptimisation("a smiling face", 100_000, frames: 5_000)).GetEnumerator();
                            }
                            steps.MoveNext();
                            steps.Current?.Dispose();
                            return ++optimisationSteps;
                        });
                }
                finally { await scheduler.RunAsync("optimiser", _ => { steps?.Dispose(); start?.Dispose(); return 0; }); }
                await others;
            };
        }
        string slider = loaded?.Editor.Sliders.Keys.Order(StringComparer.Ordinal).First() ?? "";
        var edits = sliders ? loaded?.EditFrames : null;
        engine.RenderSeedPng(0, 0.7);                                            // warm-up
        var all = Enumerable.Range(0, sessions).Select(i => new Session(i)).ToArray();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));

        // One input, as FramePump sends it: at once; the scheduler replaces it if newer input arrives before it renders.
        async Task Send(Session s, long seq, long seed, double value, long asked)
        {
            try
            {
                // As the app's services: the PNG is encoded off the engine thread, after the turn.
                int batchOf;
                if (edits is null)
                {
                    var frame = await scheduler.RunBatchedAsync(s.Client, frames, (seed, value));
                    frame.Image.Png();
                    batchOf = frame.Batch;
                }
                else
                {
                    var frame = await scheduler.RunBatchedAsync(s.Client, edits, new EditJob(() => loaded!.Editor.SeedStart(s.Face, 0.7),
                        new SliderEdit([(slider, value * 5 - 3)]), (r, _) => png => new EditFrame(png, "", "", r.Milliseconds)));
                    frame.Encode();
                    batchOf = frame.Batch;
                }
                Interlocked.Add(ref batchSizes, batchOf);
                Interlocked.Increment(ref delivered);
            }
            catch (OperationCanceledException) { lock (s.Gate) s.Replaced++; return; }
            long now = Stopwatch.GetTimestamp();
            lock (s.Gate)
            {
                if (seq < s.Shown) return;
                s.Shown = seq;
                s.LatencyMs.Add(Stopwatch.GetElapsedTime(asked, now).TotalMilliseconds);
                s.LongestGapMs = Math.Max(s.LongestGapMs, Stopwatch.GetElapsedTime(s.LastFrame, now).TotalMilliseconds);
                s.LastFrame = now;
            }
        }

        async Task User(Session s)
        {
            var sends = new List<Task>();
            while (!stop.IsCancellationRequested)
            {
                try { await Task.Delay(s.Rng.Next(minMs, maxMs + 1), stop.Token); } catch (OperationCanceledException) { break; }
                sends.Add(Send(s, ++s.Sent, s.Rng.Next(0, 1000), s.Rng.NextDouble() * 1.2, Stopwatch.GetTimestamp()));
            }
            await Task.WhenAll(sends);
        }

        var other = alongside?.Invoke(stop.Token) ?? Task.CompletedTask;
        Task.WaitAll([.. all.Select(User), other]);
        double wall = clock.Elapsed.TotalSeconds, cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        var latencies = all.SelectMany(s => s.LatencyMs).Order().ToArray();
        double P(double q) => latencies.Length == 0 ? double.NaN : latencies[Math.Min(latencies.Length - 1, (int)(q * latencies.Length))];
        Console.WriteLine($"{sessions} sessions {(sliders ? $"moving slider '{slider}'" : "moving seed and ψ")}, input every {minMs}–{maxMs} ms, {wall:0.0} s, pack {engine.Pack.Name} ({engine.Pack.Resolution} px), {Environment.ProcessorCount} cores");
        Console.WriteLine($"frames per session: {string.Join(" ", all.Select(s => s.LatencyMs.Count))}");
        Console.WriteLine($"min {all.Min(s => s.LatencyMs.Count)}, max {all.Max(s => s.LatencyMs.Count)}, total {latencies.Length} ({latencies.Length / wall:0.0}/s)");
        Console.WriteLine($"input→frame latency: p50 {P(0.5):0} ms, p95 {P(0.95):0} ms, max {P(1):0} ms");
        Console.WriteLine($"longest wait between frames per session: {string.Join(" ", all.Select(s => s.LongestGapMs.ToString("0")))} ms");
        Console.WriteLine($"inputs replaced before they rendered: {all.Sum(s => s.Replaced)} of {all.Sum(s => s.Sent)}");
        Console.WriteLine($"frames rendered in batches of {(double)batchSizes / Math.Max(1, delivered):0.0} on average (at most {batch})");
        Console.WriteLine($"CPU {cpu / wall * 100:0} % of one core");
        if (optimising) Console.WriteLine($"meanwhile one client's optimisation ran {optimisationSteps} steps ({optimisationSteps / wall:0.0} a second)");
    }
}
