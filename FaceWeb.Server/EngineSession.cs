using System.Runtime.CompilerServices;
using FaceWeb.Engine.Jobs;

namespace FaceWeb.Server;

/// <summary>One per circuit: how its services reach the engine. Every call runs on the engine thread through the
/// process's scheduler under this circuit's client id plus a lane ("render", "edit", "jobs" …: a job in one lane never
/// replaces a preview in another), sees the circuit's cancellation, and turns a full queue into an
/// <see cref="InvalidOperationException"/> with the scheduler's message. Long jobs pause while the browser's
/// connection is down and are recorded in the <see cref="JobLog"/>.</summary>
public sealed class EngineSession(EngineHost host, CircuitWork circuit, JobLog jobs, ILogger<EngineSession> log)
{
    /// <summary>Logs a refused input or upload (use as an exception filter: it returns false, so the exception goes on
    /// to the caller unchanged).</summary>
    public bool Refused(string what, ArgumentException e)
    {
        log.LogInformation("Refused {What} input from circuit {Circuit}: {Reason}", what, circuit.Id, e.Message);
        return false;
    }

    public EngineHost Host => host;
    public CircuitWork Circuit => circuit;

    public string Client(string lane) => circuit.Id + ":" + lane;

    /// <summary>The loaded pack, once the engine has started (the generator first, then the editor).</summary>
    public async Task<LoadedPack> PackAsync(CancellationToken ct)
    {
        await host.Ready.WaitAsync(ct);
        return await host.Edits.WaitAsync(ct);
    }

    /// <summary>One scheduler turn in <paramref name="lane"/>.</summary>
    public Task<T> RunAsync<T>(string lane, Func<CancellationToken, T> work, CancellationToken ct) =>
        GuardAsync(token => host.Scheduler.RunAsync(Client(lane), work, token), ct);

    /// <summary>One input of <paramref name="kind"/> in <paramref name="lane"/>, rendered in one batch with other
    /// clients' inputs of that kind waiting at the same time.</summary>
    public Task<TOut> RunBatchedAsync<TIn, TOut>(string lane, BatchKind<TIn, TOut> kind, TIn input, CancellationToken ct) =>
        GuardAsync(token => host.Scheduler.RunBatchedAsync(Client(lane), kind, input, token), ct);

    /// <summary>Engine work of this circuit: cancelled with the circuit, a full queue as the scheduler's message, a stopped
    /// scheduler as a cancellation.</summary>
    public async Task<T> GuardAsync<T>(Func<CancellationToken, Task<T>> turn, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, circuit.Token);
        try { return await turn(linked.Token); }
        catch (EngineBusyException e) { throw new InvalidOperationException(e.Message, e); }
        catch (ObjectDisposedException e) { throw new OperationCanceledException("The server is stopping.", e); }   // SIGTERM: the scheduler is gone
    }

    /// <summary>A long job's next turn: waits while the browser is away (the job pauses), then runs one turn.</summary>
    public async Task<T> JobTurnAsync<T>(JobLog.Job job, string lane, Func<CancellationToken, T> work, CancellationToken ct)
    {
        if (!circuit.IsConnected)
        {
            job.Paused();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, circuit.Token);
            await circuit.WhenConnectedAsync(linked.Token);
            job.Resumed();
        }
        return await RunAsync(lane, work, ct);
    }

    public JobLog.Job BeginJob(string kind, string lane) => jobs.Begin(kind, circuit, Client(lane));

    /// <summary>Disposes what a job made, on the engine thread, whatever happened to the job, and gives the freed native
    /// memory back to the system (ADR 0002's allocator settings keep it otherwise).</summary>
    public async Task CleanUpAsync(string lane, Action dispose)
    {
        try
        {
            await host.Scheduler.RunAsync(Client(lane) + ":dispose", _ =>
            {
                dispose();
                FaceWeb.Engine.NativeMemory.Trim();
                return 0;
            }, CancellationToken.None);
        }
        catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException) { }   // shutting down: the engine goes with it
    }

    /// <summary>Runs an engine-side sequence as a job, one item per scheduler turn in <paramref name="lane"/> (other
    /// clients are served in between), and disposes it on the engine thread. A null item is a heartbeat: a turn of work
    /// with nothing to show.</summary>
    public async IAsyncEnumerable<T> StreamAsync<T>(string lane, string kind, Func<CancellationToken, IEnumerable<T?>> make,
        [EnumeratorCancellation] CancellationToken ct = default) where T : class
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, circuit.Token);
        using var job = BeginJob(kind, lane);
        IEnumerator<T?>? items = null;
        try
        {
            while (true)
            {
                (bool More, T? Item) next;
                try
                {
                    next = await JobTurnAsync(job, lane, _ =>
                    {
                        items ??= make(linked.Token).GetEnumerator();
                        return items.MoveNext() ? (true, items.Current) : (false, null);
                    }, linked.Token);
                }
                catch (Exception e) when (e is not OperationCanceledException) { job.Fail(e); throw; }
                if (!next.More) break;
                if (next.Item is not null) yield return next.Item;
            }
            job.Finish();
        }
        finally
        {
            if (items is not null) await CleanUpAsync(lane, items.Dispose);
        }
    }
}
