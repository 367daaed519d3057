using FaceWeb.Engine.Jobs;
using Orleans.Concurrency;

namespace FaceWeb.Server.Cluster;

/// <summary>A web circuit's engine work on an engine silo. Keyed "{pack hash}/{circuit id}", so it is placed only on a
/// silo that has that pack loaded (<see cref="PackPlacementAttribute"/>) and every call of one circuit reaches the same
/// silo's scheduler, where the latest request wins and clients are served fairly, as in one process.</summary>
[Alias("faceweb.engine")]
public interface IEngineGrain : IGrainWithStringKey
{
    [Alias("pack")] Task<EnginePack> Pack(CancellationToken ct);
    [Alias("frame")] Task<SeedResult> Frame(long seed, double truncation, bool preview, CancellationToken ct);
    [Alias("latent")] Task<SeedLatent> Latent(long seed, double truncation, CancellationToken ct);
}

/// <summary>Reentrant: a circuit's next frame must reach the scheduler while its last one renders, so the scheduler can
/// coalesce them (a grain that queued calls would render every stale input in order). Cancellation travels with the call.</summary>
[Reentrant, PackPlacement]
public sealed class EngineGrain(SeedWork work, ILocalSiloDetails silo) : Grain, IEngineGrain
{
    string Client => this.GetPrimaryKeyString().Split('/', 2)[^1] + ":render";

    public Task<EnginePack> Pack(CancellationToken ct) => work.PackAsync(ct);

    public Task<SeedResult> Frame(long seed, double truncation, bool preview, CancellationToken ct) =>
        Busy(async () => await work.FrameAsync(Client, seed, truncation, preview, ct) with { Engine = silo.Name });

    public Task<SeedLatent> Latent(long seed, double truncation, CancellationToken ct) =>
        Busy(() => work.LatentAsync(Client, seed, truncation, ct));

    /// <summary>A full queue reaches the page as the scheduler's message (the exception type the pages know).</summary>
    static async Task<T> Busy<T>(Func<Task<T>> call)
    {
        try { return await call(); }
        catch (EngineBusyException e) { throw new InvalidOperationException(e.Message); }
    }
}
