namespace FaceWeb.Engine.Jobs;

/// <summary>The request is refused because too many clients are already waiting.</summary>
public sealed class EngineBusyException(string message) : Exception(message);

/// <summary>Runs all engine work on one dedicated thread.
/// <list type="bullet">
/// <item>Coalescing, not cancelling: each client has at most one pending request. A new one replaces (cancels) the
/// pending one, but the request already running finishes and is delivered, so a client that sends input faster than
/// frames render still gets a steady stream of frames, each of a recent input. Work ends early only when its
/// caller's token fires (a long job's Cancel, a closed page, a lost connection).</item>
/// <item>Fair: the next turn goes to the waiting client that has waited longest since its last turn ended (or since it
/// asked, if it was never served), so no client starves while others are served many times. Fair by engine time, not
/// only by turns: a turn's end is counted later by the client's share of that turn's time (the turn's time over the
/// clients it served) times the number of other clients waiting. Clients whose turns cost the same are served in turn
/// as before; a client whose turns are long (an optimisation step) gets turns less often than clients whose frames share
/// a batched turn, and each gets about the same share of the engine's time.</item>
/// <item>Bounded: at most <c>maxWaitingClients</c> clients wait; the next one gets <see cref="EngineBusyException"/>.</item>
/// <item>Batched: requests of one <see cref="BatchKind{TIn,TOut}"/> (frames of one generator) that wait at the same time
/// run as one turn, in one batched call: the turn's client first, then the others of that kind that have waited
/// longest, up to the kind's batch size. Nothing waits for a batch to fill.</item>
/// </list></summary>
public sealed class EngineScheduler : IDisposable
{
    sealed class Item(string client, Func<CancellationToken, object?> work, CancellationToken callerToken, IBatchKind? kind = null, object? input = null)
    {
        public string Client { get; } = client;
        public Func<CancellationToken, object?> Work { get; } = work;
        public IBatchKind? Kind { get; } = kind;
        public object? Input { get; } = input;
        public CancellationTokenSource Cts { get; } = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
        public TaskCompletionSource<object?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public CancellationTokenRegistration Registration { get; set; }
        /// <summary>Since when this client has been waiting (its last turn's end, or its first request).</summary>
        public long WaitingSince { get; set; }
    }

    /// <summary>How long a client's last-turn time is remembered after it stops asking.</summary>
    static readonly long Forget = TimeSpan.FromSeconds(60).Ticks;

    readonly object gate = new();
    readonly Dictionary<string, Item> pending = new(StringComparer.Ordinal);
    readonly Dictionary<string, Item> running = new(StringComparer.Ordinal);
    readonly Dictionary<string, long> lastTurn = new(StringComparer.Ordinal);
    readonly SemaphoreSlim signal = new(0);
    readonly CancellationTokenSource shutdown = new();
    readonly Thread worker;
    readonly int maxWaitingClients;
    readonly TimeProvider clock;
    long turns;

    public EngineScheduler(int maxWaitingClients = 64, TimeProvider? clock = null)
    {
        this.maxWaitingClients = maxWaitingClients;
        this.clock = clock ?? TimeProvider.System;
        worker = new Thread(Loop) { IsBackground = true, Name = "faceweb-engine" };
        worker.Start();
    }

    /// <summary>Number of clients with a request waiting (not counting the one running).</summary>
    public int Waiting { get { lock (gate) return pending.Count; } }

    /// <summary>Turns run so far (every request that reached the worker).</summary>
    public long Turns { get { lock (gate) return turns; } }

    /// <summary>Whether <paramref name="client"/> has a request waiting or running.</summary>
    public bool HasWork(string client) { lock (gate) return pending.ContainsKey(client) || running.ContainsKey(client); }

    /// <summary>Queues <paramref name="work"/> for <paramref name="client"/>, replacing that client's pending request
    /// (which is cancelled); a running one is left to finish. The task is cancelled when replaced, when
    /// <paramref name="ct"/> fires, or on shutdown.</summary>
    public Task<T> RunAsync<T>(string client, Func<CancellationToken, T> work, CancellationToken ct = default) =>
        Enqueue<T>(new Item(client, c => work(c), ct), ct);

    /// <summary>As <see cref="RunAsync{T}"/>, for work that <paramref name="kind"/> can run for several clients at once:
    /// <paramref name="input"/> joins the other waiting inputs of that kind in one batched turn.</summary>
    public Task<TOut> RunBatchedAsync<TIn, TOut>(string client, BatchKind<TIn, TOut> kind, TIn input, CancellationToken ct = default) =>
        Enqueue<TOut>(new Item(client, c => kind.Run([input], c)[0], ct, kind, input), ct);

    async Task<T> Enqueue<T>(Item item, CancellationToken ct)
    {
        if (ct.IsCancellationRequested) { item.Cts.Dispose(); ct.ThrowIfCancellationRequested(); }
        string client = item.Client;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(shutdown.IsCancellationRequested, this);
            bool queued = pending.TryGetValue(client, out var old);
            if (!queued && pending.Count >= maxWaitingClients)
            {
                item.Cts.Dispose();
                throw new EngineBusyException($"The engine is busy ({pending.Count} clients waiting); try again in a moment.");
            }
            // A replacement keeps the client's place in line; a new waiter waits since its last turn ended (or now); while
            // its own request still runs it has not started waiting (the run's end sets the time).
            item.WaitingSince = old?.WaitingSince ?? (running.ContainsKey(client) ? long.MaxValue
                : lastTurn.TryGetValue(client, out var t) ? t : Now);
            pending[client] = item;
            // Cancel only after the swap: cancellation callbacks run inline and withdraw whatever is still pending.
            if (old is not null) Cancel(old);
        }
        item.Registration = item.Cts.Token.Register(() => Withdraw(item));
        signal.Release();
        return (T)(await item.Done.Task.ConfigureAwait(false))!;
    }

    void Withdraw(Item item)
    {
        lock (gate)
        {
            if (pending.TryGetValue(item.Client, out var p) && ReferenceEquals(p, item)) pending.Remove(item.Client);
        }
        item.Done.TrySetCanceled(item.Cts.Token);
    }

    static void Cancel(Item item)
    {
        item.Done.TrySetCanceled();
        try { item.Cts.Cancel(); } catch (ObjectDisposedException) { }
    }

    /// <summary>Under the lock: the next turn: the waiting item that has waited longest, with, when it is batchable, the
    /// other waiting items of its kind that have waited longest (up to the kind's batch size); empty when none waits.</summary>
    List<Item> Next()
    {
        Item? best = null;
        foreach (var item in pending.Values)
            if (best is null || item.WaitingSince < best.WaitingSince) best = item;
        if (best is null) return [];
        List<Item> turn = [best];
        if (best.Kind is { } kind)
            turn.AddRange(pending.Values.Where(i => i != best && ReferenceEquals(i.Kind, kind)).OrderBy(i => i.WaitingSince).Take(kind.MaxBatch - 1));
        foreach (var item in turn)
        {
            pending.Remove(item.Client);
            running[item.Client] = item;
        }
        turns += turn.Count;
        return turn;
    }

    void Loop()
    {
        while (true)
        {
            try { signal.Wait(shutdown.Token); }
            catch (OperationCanceledException) { return; }
            List<Item> turn;
            lock (gate) turn = Next();
            if (turn.Count == 0) continue;  // a replaced, withdrawn or batched request left a spare signal
            long started = Now;
            try
            {
                if (turn.Count == 1) Run(turn[0]);
                else RunBatch(turn);
            }
            finally
            {
                lock (gate)
                {
                    long now = Now;
                    // Each client's share of this turn's time, counted once for every other client waiting: what its turn
                    // cost the others. Equal for equal turns, so the order is then the plain round robin.
                    long share = Math.Max(0, now - started) / turn.Count;
                    int others = pending.Keys.Union(turn.Select(i => i.Client)).Count() - 1;
                    foreach (var item in turn)
                    {
                        if (running.TryGetValue(item.Client, out var r) && ReferenceEquals(r, item)) running.Remove(item.Client);
                        long ended = now + share * others;
                        lastTurn[item.Client] = ended;
                        if (pending.TryGetValue(item.Client, out var next)) next.WaitingSince = ended;
                    }
                    if (lastTurn.Count > 4 * maxWaitingClients)
                        foreach (var stale in lastTurn.Where(kv => now - kv.Value > Forget).Select(kv => kv.Key).ToList()) lastTurn.Remove(stale);
                }
                foreach (var item in turn)
                {
                    item.Registration.Dispose();
                    item.Cts.Dispose();
                }
            }
        }
    }

    long Now => clock.GetUtcNow().UtcTicks;

    static void Run(Item item)
    {
        try
        {
            if (!item.Cts.IsCancellationRequested)
            {
                var result = item.Work(item.Cts.Token);
                if (item.Cts.IsCancellationRequested) item.Done.TrySetCanceled();
                else item.Done.TrySetResult(result);
            }
            else item.Done.TrySetCanceled();
        }
        catch (OperationCanceledException) { item.Done.TrySetCanceled(); }
        catch (Exception e) { item.Done.TrySetException(e); }
    }

    /// <summary>One call for the turn's items still wanted; each gets its own result (a failure fails them all: it is
    /// the same call). A caller that goes away meanwhile is cancelled; the others still get theirs.</summary>
    void RunBatch(List<Item> turn)
    {
        var live = turn.Where(i => !i.Cts.IsCancellationRequested).ToList();
        foreach (var item in turn.Except(live)) item.Done.TrySetCanceled();
        if (live.Count == 0) return;
        try
        {
            var results = live[0].Kind!.RunBatch(live.Select(i => i.Input).ToList(), shutdown.Token);
            for (int i = 0; i < live.Count; i++)
                if (live[i].Cts.IsCancellationRequested) live[i].Done.TrySetCanceled();
                else if (results[i].Error is { } e) live[i].Done.TrySetException(e);
                else live[i].Done.TrySetResult(results[i].Value);
        }
        catch (OperationCanceledException) { foreach (var item in live) item.Done.TrySetCanceled(); }
        catch (Exception e) { foreach (var item in live) item.Done.TrySetException(e); }
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (shutdown.IsCancellationRequested) return;
            shutdown.Cancel();
            foreach (var item in pending.Values) Cancel(item);
            foreach (var item in running.Values) item.Cts.Cancel();
            pending.Clear();
        }
        worker.Join(TimeSpan.FromSeconds(10));          // a turn is short (a frame, a step, a slice of a job)
        signal.Dispose();
        shutdown.Dispose();
    }
}

/// <summary>What <see cref="EngineScheduler"/> needs of a batch kind, whatever its types.</summary>
public interface IBatchKind
{
    int MaxBatch { get; }
    IReadOnlyList<(object? Value, Exception? Error)> RunBatch(IReadOnlyList<object?> inputs, CancellationToken ct);
}

/// <summary>One input's outcome in a batch: its result, or the error that only its caller gets.</summary>
public readonly record struct BatchResult<T>(T? Value, Exception? Error)
{
    public static BatchResult<T> Ok(T value) => new(value, null);
    public static BatchResult<T> Failed(Exception error) => new(default, error);
}

/// <summary>Work that can be done for several clients in one call (<see cref="EngineScheduler.RunBatchedAsync{TIn,TOut}"/>):
/// the function takes the inputs of one turn and returns one outcome per input, in order (an exception it throws fails
/// them all).</summary>
public sealed class BatchKind<TIn, TOut>
    : IBatchKind
{
    readonly Func<IReadOnlyList<TIn>, CancellationToken, IReadOnlyList<BatchResult<TOut>>> run;

    public BatchKind(int maxBatch, Func<IReadOnlyList<TIn>, CancellationToken, IReadOnlyList<BatchResult<TOut>>> run)
    {
        MaxBatch = maxBatch >= 1 ? maxBatch : throw new ArgumentOutOfRangeException(nameof(maxBatch), "at least 1");
        this.run = run;
    }

    /// <summary>A kind whose inputs all succeed or fail together.</summary>
    public BatchKind(int maxBatch, Func<IReadOnlyList<TIn>, CancellationToken, IReadOnlyList<TOut>> run)
        : this(maxBatch, (inputs, ct) => run(inputs, ct).Select(BatchResult<TOut>.Ok).ToList()) { }

    public int MaxBatch { get; }

    public IReadOnlyList<BatchResult<TOut>> Outcomes(IReadOnlyList<TIn> inputs, CancellationToken ct)
    {
        var results = run(inputs, ct);
        return results.Count == inputs.Count ? results : throw new InvalidOperationException($"a batch of {inputs.Count} gave {results.Count} results");
    }

    /// <summary>The results, or the first input's error.</summary>
    public IReadOnlyList<TOut> Run(IReadOnlyList<TIn> inputs, CancellationToken ct) =>
        Outcomes(inputs, ct).Select(o => o.Error is { } e ? throw Rethrown(e) : o.Value!).ToList();

    static Exception Rethrown(Exception e)
    {
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e).Throw();
        return e;
    }

    IReadOnlyList<(object? Value, Exception? Error)> IBatchKind.RunBatch(IReadOnlyList<object?> inputs, CancellationToken ct) =>
        Outcomes(inputs.Cast<TIn>().ToList(), ct).Select(o => ((object?)o.Value, o.Error)).ToList();
}
