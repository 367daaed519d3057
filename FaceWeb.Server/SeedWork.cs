using System.Globalization;
using FaceWeb.Components.Services;

namespace FaceWeb.Server;

/// <summary>A seed frame as it leaves the engine: the PNG and how it was made.</summary>
[GenerateSerializer, Alias("faceweb.seed-result")]
/// <param name="Engine">The engine silo that rendered it (null: this process).</param>
public sealed record SeedResult([property: Id(0)] byte[] Png, [property: Id(1)] int Resolution, [property: Id(2)] double Milliseconds,
    [property: Id(3)] int Batch, [property: Id(4)] bool IsPreview, [property: Id(5)] int PreviewBlock, [property: Id(6)] string? Engine = null);

/// <summary>A seed's W+ [1,L,D] as plain values, its frame and the label Generate keeps it under.</summary>
[GenerateSerializer, Alias("faceweb.seed-latent")]
public sealed record SeedLatent([property: Id(0)] float[] Data, [property: Id(1)] long[] Shape, [property: Id(2)] byte[] Png, [property: Id(3)] string Label);

/// <summary>The pack an engine runs, as pages show it.</summary>
[GenerateSerializer, Alias("faceweb.engine-pack")]
/// <param name="ManifestSha256">The SHA-256 of the pack's manifest (a room node records it), null for the placeholder.</param>
public sealed record EnginePack([property: Id(0)] string Name, [property: Id(1)] bool Trained, [property: Id(2)] int Resolution,
    [property: Id(3)] string Description, [property: Id(4)] string? Warning, [property: Id(5)] string? ManifestSha256 = null)
{
    public PackSummary Summary => new(Name, Trained, Resolution, Description, Warning);
}

/// <summary>Where Generate's engine work runs: this process's engine (<see cref="LocalSeedEngine"/>) or a pool of engine
/// silos (<see cref="Cluster.ClusterSeedEngine"/>). One per circuit.</summary>
public interface ISeedEngine
{
    Task<EnginePack> PackAsync(CancellationToken ct);
    Task<SeedResult> FrameAsync(long seed, double truncation, bool preview, CancellationToken ct);
    Task<SeedLatent> LatentAsync(long seed, double truncation, CancellationToken ct);
}

/// <summary>Generate's engine work, written once: a seed frame in a batched turn of this process's scheduler (the PNG
/// encoded by the caller, off the engine thread) and a seed's W+ with its frame. The circuit's
/// <see cref="LocalSeedEngine"/> and an engine silo's grain both call it, each under its own client id.</summary>
public sealed class SeedWork(EngineHost host)
{
    public async Task<EnginePack> PackAsync(CancellationToken ct)
    {
        var (engine, p) = await host.Ready.WaitAsync(ct);
        return new EnginePack(p.Name, p.Trained, p.Resolution, p.Description, p.Warning, engine.Pack.ManifestSha256);
    }

    public async Task<SeedResult> FrameAsync(string client, long seed, double truncation, bool preview, CancellationToken ct)
    {
        var (engine, pack) = await host.Ready.WaitAsync(ct);
        preview &= pack.Previews;                                                      // small packs render the frame itself
        var frame = await host.Scheduler.RunBatchedAsync(client, preview ? host.SeedPreviews : host.SeedFrames, (seed, truncation), ct);
        return new SeedResult(frame.Image.Png(), pack.Resolution, frame.Milliseconds, frame.Batch, preview, preview ? engine.PreviewResolution : 0);
    }

    public async Task<SeedLatent> LatentAsync(string client, long seed, double truncation, CancellationToken ct)
    {
        var (engine, _) = await host.Ready.WaitAsync(ct);
        return await host.Scheduler.RunAsync(client, _ =>
        {
            using var w = engine.SeedWPlus(seed, truncation);
            string label = $"seed {seed}, ψ {truncation.ToString("0.00", CultureInfo.InvariantCulture)}";
            return new SeedLatent(SessionLatentStore.Values(w), w.shape, engine.RenderSeedPng(seed, truncation), label);   // the frame Generate showed
        }, ct);
    }
}

/// <summary>Generate's work on this process's engine, in the circuit's "render" lane.</summary>
public sealed class LocalSeedEngine(EngineSession session, SeedWork work) : ISeedEngine
{
    public Task<EnginePack> PackAsync(CancellationToken ct) => work.PackAsync(ct);

    public Task<SeedResult> FrameAsync(long seed, double truncation, bool preview, CancellationToken ct) =>
        session.GuardAsync(token => work.FrameAsync(session.Client("render"), seed, truncation, preview, token), ct);

    public Task<SeedLatent> LatentAsync(long seed, double truncation, CancellationToken ct) =>
        session.GuardAsync(token => work.LatentAsync(session.Client("render"), seed, truncation, token), ct);
}
