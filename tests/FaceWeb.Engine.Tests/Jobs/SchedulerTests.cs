using FaceWeb.Engine.Jobs;

namespace FaceWeb.Engine.Tests;

public sealed class SchedulerTests
{
    static CancellationToken T => TestContext.Current.CancellationToken;

    /// <summary>Blocks the worker thread until released, so queue states can be arranged without timing.</summary>
    sealed class Gate
    {
        readonly ManualResetEventSlim entered = new(), release = new();
        public int Block(CancellationToken _) { entered.Set(); release.Wait(); return -1; }
        public void WaitEntered() => entered.Wait();
        public void Open() => release.Set();
    }

    [Fact]
    public async Task A_new_request_supersedes_the_pending_one_of_the_same_client()
    {
        using var s = new EngineScheduler();
        var gate = new Gate();
        var blocker = s.RunAsync("other", gate.Block, T);
        gate.WaitEntered();
        var first = s.RunAsync("alice", _ => 1, T);
        var second = s.RunAsync("alice", _ => 2, T);
        Assert.Equal(1, s.Waiting);
        gate.Open();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.Equal(2, await second);
        Assert.Equal(-1, await blocker);
    }

    [Fact]
    public async Task A_new_request_lets_the_running_one_finish_and_is_served_next()
    {
        // Coalescing: a frame being rendered is delivered even though newer input arrived (frames while dragging).
        using var s = new EngineScheduler();
        var gate = new Gate();
        var running = s.RunAsync("alice", ct => { gate.Block(ct); return ct.IsCancellationRequested ? 0 : 1; }, T);
        gate.WaitEntered();
        var replaced = s.RunAsync("alice", _ => 2, T);
        var latest = s.RunAsync("alice", _ => 3, T);
        Assert.True(s.HasWork("alice"));
        gate.Open();
        Assert.Equal(1, await running);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => replaced);
        Assert.Equal(3, await latest);
        Assert.Equal(2, s.Turns);
    }

    [Fact]
    public async Task The_client_that_waited_longest_since_its_last_turn_goes_first()
    {
        using var s = new EngineScheduler();
        var order = new List<string>();
        // "a" was served a moment ago; "b" never was but asks now; "c" asks later.
        await s.RunAsync("a", _ => 0, T);
        var gate = new Gate();
        var blocker = s.RunAsync("x", gate.Block, T);
        gate.WaitEntered();
        var b = s.RunAsync("b", _ => { order.Add("b"); return 0; }, T);
        var c = s.RunAsync("c", _ => { order.Add("c"); return 0; }, T);
        var a = s.RunAsync("a", _ => { order.Add("a"); return 0; }, T);
        // "x" asks again while it runs: it starts waiting only when its turn ends, so it goes last.
        var x = s.RunAsync("x", _ => { order.Add("x"); return 0; }, T);
        gate.Open();
        await Task.WhenAll(blocker, a, b, c, x);
        Assert.Equal(["a", "b", "c", "x"], order);
    }

    [Fact]
    public async Task A_client_that_keeps_asking_cannot_starve_the_others()
    {
        // Two clients resubmit as soon as each frame arrives (the worst case for a queue); a third asks once.
        using var s = new EngineScheduler();
        var served = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0, ["c"] = 0 };
        int total = 0;
        async Task Loop(string client, int times)
        {
            for (int i = 0; i < times; i++) await s.RunAsync(client, _ => { served[client]++; return ++total; }, T);
        }
        var gate = new Gate();
        var blocker = s.RunAsync("x", gate.Block, T);
        gate.WaitEntered();
        var a = Loop("a", 50); var b = Loop("b", 50);
        gate.Open();
        while (served["a"] < 5) await s.RunAsync("probe", _ => 0, T);
        // "c" asks while the worker is held in a turn of its own, so no turn can run between counting and asking.
        var hold = new Gate();
        var held = s.RunAsync("y", hold.Block, T);
        hold.WaitEntered();
        int before = total;
        var c = s.RunAsync("c", _ => { served["c"]++; return ++total; }, T);
        hold.Open();
        int position = await c;
        await Task.WhenAll(blocker, held, a, b);
        Assert.True(position - before <= 3, $"c waited {position - before} turns");
    }

    /// <summary>#17: frames of one kind that wait together run as one call, up to the kind's batch size, the longest
    /// waiting first; other work is not batched; a caller that leaves before its batch runs is left out of it.</summary>
    [Fact]
    public async Task Batchable_requests_waiting_together_run_in_one_call_up_to_the_batch_size()
    {
        using var s = new EngineScheduler();
        var calls = new List<int[]>();
        var frames = new BatchKind<int, string>(3, (inputs, _) => { calls.Add([.. inputs]); return inputs.Select(i => $"frame {i}").ToList(); });
        var gate = new Gate();
        var blocker = s.RunAsync("x", gate.Block, T);
        gate.WaitEntered();
        using var leaving = new CancellationTokenSource();
        var asked = Enumerable.Range(1, 5).Select(i => s.RunBatchedAsync($"c{i}", frames, i, i == 2 ? leaving.Token : T)).ToList();
        var single = s.RunAsync("y", _ => "alone", T);
        leaving.Cancel();                                                           // c2 leaves before its turn
        gate.Open();
        Assert.Equal("frame 1", await asked[0]);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => asked[1]);
        Assert.Equal(["frame 3", "frame 4", "frame 5"], await Task.WhenAll(asked[2], asked[3], asked[4]));
        Assert.Equal("alone", await single);
        await blocker;
        // c1, c3 and c4 waited longest: one call of 3 (the batch size); c5 then runs in a call of its own ("y" is no frame).
        Assert.Equal([[1, 3, 4], [5]], calls);
    }

    /// <summary>#17: fair by engine time. Four clients' frames share a batched turn of 40 ms (10 ms each); a fifth client's
    /// optimisation steps take 75 ms alone. Each asks again from inside its turn, so every client waits at every choice
    /// (no timing). A step's end counts 75 ms × 4 waiting clients later, a batch's 10 ms × 4: the optimiser gets a turn
    /// after every 7 batches, and each client about the same engine time (75 ms against 70 ms a cycle).</summary>
    [Fact]
    public async Task A_client_with_long_turns_gets_turns_less_often_than_clients_sharing_batches()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var s = new EngineScheduler(clock: clock);
        var order = new List<string>();
        var asked = new System.Collections.Concurrent.ConcurrentQueue<Task>();       // added to by the worker thread
        int turnsLeft = 17;
        BatchKind<int, int> frames = null!;
        frames = new BatchKind<int, int>(8, (inputs, _) =>
        {
            clock.Advance(TimeSpan.FromMilliseconds(40));
            order.Add("frames");
            if (--turnsLeft > 0) foreach (int i in inputs) asked.Enqueue(s.RunBatchedAsync($"f{i}", frames, i, T));
            return inputs;
        });
        int Step(CancellationToken _)
        {
            clock.Advance(TimeSpan.FromMilliseconds(75));
            order.Add("step");
            if (--turnsLeft > 0) asked.Enqueue(s.RunAsync("optimiser", Step, T));
            return 0;
        }
        var gate = new Gate();
        var blocker = s.RunAsync("x", gate.Block, T);
        gate.WaitEntered();
        asked.Enqueue(s.RunAsync("optimiser", Step, T));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        for (int i = 1; i <= 4; i++) asked.Enqueue(s.RunBatchedAsync($"f{i}", frames, i, T));
        gate.Open();
        await blocker;
        int seen;
        do { seen = asked.Count; await Task.WhenAll(asked.ToArray()); } while (asked.Count != seen);   // until no turn asks again
        string[] cycle = ["step", .. Enumerable.Repeat("frames", 7)];
        Assert.Equal([.. cycle, .. cycle, "step", "frames"], order);   // the last: the frames asked for before the 17th turn
    }

    [Fact]
    public async Task A_failing_batch_fails_each_of_its_callers_and_the_scheduler_goes_on()
    {
        using var s = new EngineScheduler();
        var frames = new BatchKind<int, int>(8, (inputs, _) => inputs.Contains(13) ? throw new InvalidOperationException("bad frame") : inputs);
        var gate = new Gate();
        var blocker = s.RunAsync("x", gate.Block, T);
        gate.WaitEntered();
        var a = s.RunBatchedAsync("a", frames, 12, T);
        var b = s.RunBatchedAsync("b", frames, 13, T);
        gate.Open();
        Assert.Equal("bad frame", (await Assert.ThrowsAsync<InvalidOperationException>(() => a)).Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => b);
        Assert.Equal(7, await s.RunBatchedAsync("a", frames, 7, T));
        await blocker;
    }

    [Fact]
    public async Task Clients_are_served_in_the_order_they_started_waiting()
    {
        using var s = new EngineScheduler();
        var gate = new Gate();
        var order = new List<string>();
        var blocker = s.RunAsync("x", gate.Block, T);
        gate.WaitEntered();
        var a1 = s.RunAsync("a", _ => { order.Add("a"); return 0; }, T);
        var b1 = s.RunAsync("b", _ => { order.Add("b"); return 0; }, T);
        var c1 = s.RunAsync("c", _ => { order.Add("c"); return 0; }, T);
        gate.Open();
        await Task.WhenAll(blocker, a1, b1, c1);
        Assert.Equal(["a", "b", "c"], order);
    }

    [Fact]
    public async Task Cancelled_caller_work_never_runs_and_queue_is_bounded()
    {
        using var s = new EngineScheduler(maxWaitingClients: 2);
        var gate = new Gate();
        var blocker = s.RunAsync("x", gate.Block, T);
        gate.WaitEntered();
        using var cts = new CancellationTokenSource();
        bool ran = false;
        var doomed = s.RunAsync("a", _ => { ran = true; return 0; }, cts.Token);
        var b = s.RunAsync("b", _ => 0, T);
        await Assert.ThrowsAsync<EngineBusyException>(() => s.RunAsync("c", _ => 0, T));
        cts.Cancel();   // e.g. the circuit disconnected
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => doomed);
        Assert.Equal(1, s.Waiting);
        gate.Open();
        await Task.WhenAll(blocker, b);
        Assert.False(ran);
    }

    [Fact]
    public async Task Exceptions_reach_the_caller()
    {
        using var s = new EngineScheduler();
        var e = await Assert.ThrowsAsync<ArgumentException>(() => s.RunAsync<int>("a", _ => throw new ArgumentException("bad seed"), T));
        Assert.Equal("bad seed", e.Message);
    }
}
