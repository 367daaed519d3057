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
/// asked, if it was never served), so no client starves while others are served many times.</item>
/// <item>Bounded: at most <c>maxWaitingClients</c> clients wait; the next one gets <see cref="EngineBusyException"/>.</item>
/// </list></summary>
public sealed class EngineScheduler : IDisposable
{
    sealed class Item(string client, Func<CancellationToken, object?> work, CancellationToken callerToken)
    {
        public string Client { get; } = client;
        public Func<CancellationToken, object?> Work { get; } = work;
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
    long turns;

    public EngineScheduler(int maxWaitingClients = 64)
    {
        this.maxWaitingClients = maxWaitingClients;
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
    public async Task<T> RunAsync<T>(string client, Func<CancellationToken, T> work, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var item = new Item(client, c => work(c), ct);
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
                : lastTurn.TryGetValue(client, out var t) ? t : DateTime.UtcNow.Ticks);
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

    /// <summary>Under the lock: the waiting item that has waited longest, or null.</summary>
    Item? Next()
    {
        Item? best = null;
        foreach (var item in pending.Values)
            if (best is null || item.WaitingSince < best.WaitingSince) best = item;
        if (best is null) return null;
        pending.Remove(best.Client);
        running[best.Client] = best;
        turns++;
        return best;
    }

    void Loop()
    {
        while (true)
        {
            try { signal.Wait(shutdown.Token); }
            catch (OperationCanceledException) { return; }
            Item? item;
            lock (gate) item = Next();
            if (item is null) continue;  // a replaced or withdrawn request left a spare signal
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
            finally
            {
                lock (gate)
                {
                    if (running.TryGetValue(item.Client, out var r) && ReferenceEquals(r, item)) running.Remove(item.Client);
                    long now = DateTime.UtcNow.Ticks;
                    lastTurn[item.Client] = now;
                    if (pending.TryGetValue(item.Client, out var next)) next.WaitingSince = now;
                    if (lastTurn.Count > 4 * maxWaitingClients)
                        foreach (var stale in lastTurn.Where(kv => now - kv.Value > Forget).Select(kv => kv.Key).ToList()) lastTurn.Remove(stale);
                }
                item.Registration.Dispose();
                item.Cts.Dispose();
            }
        }
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
