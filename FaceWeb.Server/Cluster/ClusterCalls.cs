using System.Runtime.CompilerServices;
using Orleans.Runtime;

namespace FaceWeb.Server.Cluster;

/// <summary>A web front-end circuit's calls to its engine grain (<see cref="IEngineGrain"/>, key "{pack hash}/{circuit}").
/// A call that fails because its engine silo is gone is sent again, with growing pauses, until the cluster has noticed
/// and activates the grain on another silo with the pack (within <see cref="FailoverWindow"/>, else the page gets a
/// message): the page sees its frames late, none lost. Cancellation (the circuit's and the caller's) reaches the silo
/// with the call; anything else the cluster throws reaches the page as a message, never as a crashed circuit.</summary>
public sealed class ClusterCalls(IClusterClient cluster, CircuitWork circuit, EngineHost host, ILogger<ClusterCalls> log)
{
    /// <summary>How long a call keeps trying while the cluster notices a dead engine silo (about six seconds with
    /// <see cref="ClusterHosting"/>'s membership settings) and places the grain again.</summary>
    public static readonly TimeSpan FailoverWindow = TimeSpan.FromSeconds(20);

    IEngineGrain Grain => cluster.GetGrain<IEngineGrain>($"{host.PackHash}/{circuit.Id}");

    public async Task<T> Call<T>(Func<IEngineGrain, CancellationToken, Task<T>> call, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, circuit.Token);
        var started = TimeProvider.System.GetTimestamp();
        var wait = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try { return await call(Grain, linked.Token); }
            catch (Exception e) when (Lost(e) && !linked.IsCancellationRequested)
            {
                if (TimeProvider.System.GetElapsedTime(started) + wait > FailoverWindow)
                    throw new InvalidOperationException("No engine server answered; try again in a moment.", e);
                if (wait.TotalMilliseconds <= 200)
                    log.LogWarning("Circuit {Circuit}: its engine server cannot be reached ({Reason}); trying another", circuit.Id, e.GetType().Name);
                await Task.Delay(wait, linked.Token);   // until the cluster has declared the silo dead and places the grain elsewhere
                wait *= 2;
            }
            catch (Exception e) when (e is not (OperationCanceledException or ArgumentException or InvalidOperationException))
            {
                log.LogError(e, "Circuit {Circuit}: engine call failed", circuit.Id);
                throw new InvalidOperationException($"The engine server failed: {e.Message}", e);
            }
        }
    }

    /// <summary>A long job's stream from the grain. A job is not sent again when its silo dies (its state died with it):
    /// the page gets a message and can start it again.</summary>
    public async IAsyncEnumerable<T> Stream<T>(Func<IEngineGrain, CancellationToken, IAsyncEnumerable<T>> call, [EnumeratorCancellation] CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, circuit.Token);
        var items = call(Grain, linked.Token).GetAsyncEnumerator(linked.Token);
        try
        {
            while (true)
            {
                try
                {
                    if (!await items.MoveNextAsync()) yield break;
                }
                catch (Exception e) when (Lost(e) && !linked.IsCancellationRequested)
                {
                    log.LogWarning("Circuit {Circuit}: the engine server running its job is gone ({Reason})", circuit.Id, e.GetType().Name);
                    throw new InvalidOperationException("The engine server running this job stopped, and the job with it; start it again.", e);
                }
                catch (Exception e) when (e is not (OperationCanceledException or ArgumentException or InvalidOperationException))
                {
                    log.LogError(e, "Circuit {Circuit}: engine job failed", circuit.Id);
                    throw new InvalidOperationException($"The engine server failed: {e.Message}", e);
                }
                yield return items.Current;
            }
        }
        finally
        {
            try { await items.DisposeAsync(); }
            catch (Exception e) { log.LogDebug("Circuit {Circuit}: the job's stream did not close cleanly ({Reason})", circuit.Id, e.GetType().Name); }
        }
    }

    /// <summary>The silo that held the grain died or cannot be reached (not: the work itself failed).</summary>
    static bool Lost(Exception e) => e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException
        || e.InnerException is { } inner && Lost(inner);
}

/// <summary>Generate's work on the engine pool.</summary>
public sealed class ClusterSeedEngine(ClusterCalls calls) : ISeedEngine
{
    public Task<EnginePack> PackAsync(CancellationToken ct) => calls.Call((g, t) => g.Pack(t), ct);

    public Task<SeedResult> FrameAsync(long seed, double truncation, bool preview, CancellationToken ct) =>
        calls.Call((g, t) => g.Frame(seed, truncation, preview, t), ct);

    public Task<SeedLatent> LatentAsync(long seed, double truncation, CancellationToken ct) =>
        calls.Call((g, t) => g.Latent(seed, truncation, t), ct);
}
