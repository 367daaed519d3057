namespace FaceWeb.Engine.Jobs;

/// <summary>The request is refused because too many clients are already waiting.</summary>
public sealed class EngineBusyException(string message) : Exception(message);

/// <summary>Runs all engine work on one dedicated thread. Each client has at most one pending request: a new one
/// supersedes (cancels) the pending and the running request of that client (latest wins, frames never queue up).
/// Clients are served round-robin, so one busy client cannot starve the others; the number of waiting clients is
/// bounded.</summary>
public sealed class EngineScheduler : IDisposable
{
    sealed class Item(string client, Func<CancellationToken, object?> work, CancellationToken callerToken)
    {
        public string Client { get; } = client;
        public Func<CancellationToken, object?> Work { get; } = work;
        public CancellationTokenSource Cts { get; } = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
        public TaskCompletionSource<object?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public CancellationTokenRegistration Registration { get; set; }
    }

    readonly object gate = new();
    readonly Dictionary<string, Item> pending = new(StringComparer.Ordinal);
    readonly LinkedList<string> order = new();           // clients with pending work, in turn order
    readonly Dictionary<string, Item> running = new(StringComparer.Ordinal);
    readonly SemaphoreSlim signal = new(0);
    readonly CancellationTokenSource shutdown = new();
    readonly Thread worker;
    readonly int maxWaitingClients;

    public EngineScheduler(int maxWaitingClients = 64)
    {
        this.maxWaitingClients = maxWaitingClients;
        worker = new Thread(Loop) { IsBackground = true, Name = "faceweb-engine" };
        worker.Start();
    }

    /// <summary>Number of clients with a request waiting (not counting the one running).</summary>
    public int Waiting { get { lock (gate) return pending.Count; } }

    /// <summary>Queues <paramref name="work"/> for <paramref name="client"/>; any earlier request of that client is
    /// cancelled. The task is cancelled when superseded, when <paramref name="ct"/> fires, or on shutdown.</summary>
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
            pending[client] = item;                  // a superseded request keeps its client's place in the turn order
            if (!queued) order.AddLast(client);
            // Cancel only after the swap: cancellation callbacks run inline and withdraw whatever is still pending.
            if (old is not null) Cancel(old);
            if (running.TryGetValue(client, out var run)) run.Cts.Cancel();
        }
        item.Registration = item.Cts.Token.Register(() => Withdraw(item));
        signal.Release();
        return (T)(await item.Done.Task.ConfigureAwait(false))!;
    }

    void Withdraw(Item item)
    {
        lock (gate)
        {
            if (pending.TryGetValue(item.Client, out var p) && ReferenceEquals(p, item))
            {
                pending.Remove(item.Client);
                order.Remove(item.Client);
            }
        }
        item.Done.TrySetCanceled(item.Cts.Token);
    }

    static void Cancel(Item item)
    {
        item.Done.TrySetCanceled();
        try { item.Cts.Cancel(); } catch (ObjectDisposedException) { }
    }

    void Loop()
    {
        while (true)
        {
            try { signal.Wait(shutdown.Token); }
            catch (OperationCanceledException) { return; }
            Item? item = null;
            lock (gate)
            {
                if (order.First is { } first)
                {
                    order.RemoveFirst();
                    item = pending[first.Value];
                    pending.Remove(first.Value);
                    running[item.Client] = item;
                }
            }
            if (item is null) continue;  // a superseded or withdrawn request left a spare signal
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
                lock (gate) { if (running.TryGetValue(item.Client, out var r) && ReferenceEquals(r, item)) running.Remove(item.Client); }
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
            order.Clear();
        }
        worker.Join(TimeSpan.FromSeconds(30));
        signal.Dispose();
        shutdown.Dispose();
    }
}
