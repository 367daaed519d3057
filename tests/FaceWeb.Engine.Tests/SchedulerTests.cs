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
    public async Task A_new_request_cancels_the_running_one_of_the_same_client()
    {
        using var s = new EngineScheduler();
        var gate = new Gate();
        var running = s.RunAsync("alice", ct => { gate.Block(ct); return ct.IsCancellationRequested ? 0 : 1; }, T);
        gate.WaitEntered();
        var next = s.RunAsync("alice", _ => 2, T);
        gate.Open();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal(2, await next);
    }

    [Fact]
    public async Task Clients_are_served_round_robin()
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
