using Microsoft.AspNetCore.Components.Server.Circuits;

namespace FaceWeb.Server;

/// <summary>One per circuit (scoped): the engine client id its services work under, and the token their work is
/// cancelled with. When the browser's connection drops, work pauses at its next turn
/// (<see cref="WhenConnectedAsync"/>); if the browser has not reconnected within the grace period
/// (<c>FaceWeb:ReconnectGraceSeconds</c>, default 10) the token fires, long jobs stop and the engine is free for others.
/// Reconnecting in time resumes the work where it paused.</summary>
public sealed class CircuitWork : IDisposable
{
    readonly CancellationTokenSource cts = new();
    readonly object gate = new();
    readonly TimeSpan grace;
    readonly TimeProvider time;
    readonly ILogger log;
    TaskCompletionSource connected = Connected();
    ITimer? abandon;

    readonly CancellationTokenRegistration stopping;

    public CircuitWork(Microsoft.Extensions.Options.IOptions<EngineOptions> options, TimeProvider time, ILogger<CircuitWork> log,
        IHostApplicationLifetime? lifetime = null)
    {
        grace = TimeSpan.FromSeconds(Math.Max(0, options.Value.ReconnectGraceSeconds));
        (this.time, this.log) = (time, log);
        connected.SetResult();
        // SIGTERM: nobody waits for a reconnection; every job of the circuit ends now.
        if (lifetime is not null) stopping = lifetime.ApplicationStopping.Register(() => Stop("server stopping"));
    }

    static TaskCompletionSource Connected() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>This circuit's engine client id prefix (services add ":render", ":edit" …).</summary>
    /// <remarks>On an engine silo, the web circuit's id it works for (set by the engine grain), so the silo's scheduler
    /// clients and job log lines carry the same id as the front-end's log.</remarks>
    public string Id { get; internal set; } = Guid.NewGuid().ToString("N")[..16];

    /// <summary>Fires when the circuit ends or its connection stayed down longer than the grace period.</summary>
    public CancellationToken Token => cts.Token;

    /// <summary>Why <see cref="Token"/> fired: "connection lost", "server stopping" or "page closed"; null while it has not.</summary>
    public string? StopReason { get; private set; }

    public bool IsConnected { get { lock (gate) return connected.Task.IsCompleted; } }

    /// <summary>Completes at once while the browser is connected; while it is not, when it reconnects (or throws when
    /// the work is abandoned or <paramref name="ct"/> fires).</summary>
    public Task WhenConnectedAsync(CancellationToken ct)
    {
        Task t;
        lock (gate) t = connected.Task;
        return t.IsCompleted ? Task.CompletedTask : t.WaitAsync(ct);
    }

    public void ConnectionDown()
    {
        lock (gate)
        {
            if (cts.IsCancellationRequested || !connected.Task.IsCompleted) return;
            connected = Connected();
            abandon?.Dispose();
            abandon = time.CreateTimer(_ => Stop("connection lost"), null, grace, Timeout.InfiniteTimeSpan);
        }
        log.LogInformation("Circuit {Circuit} lost its connection; its work pauses and stops in {Grace} s unless it reconnects", Id, grace.TotalSeconds);
    }

    public void ConnectionUp()
    {
        lock (gate)
        {
            if (connected.Task.IsCompleted) return;
            abandon?.Dispose();
            abandon = null;
            connected.TrySetResult();
        }
        log.LogInformation("Circuit {Circuit} reconnected{State}", Id, cts.IsCancellationRequested ? $"; its work had stopped ({StopReason})" : "; its work resumes");
    }

    void Stop(string reason)
    {
        lock (gate)
        {
            if (cts.IsCancellationRequested) return;
            StopReason = reason;
        }
        if (reason != "page closed") log.LogInformation("Circuit {Circuit}: work stopped ({Reason})", Id, reason);
        cts.Cancel();
    }

    public void Dispose()
    {
        stopping.Dispose();
        Stop("page closed");
        lock (gate) abandon?.Dispose();
        cts.Dispose();
    }
}

/// <summary>Tells each circuit's <see cref="CircuitWork"/> when its connection goes down and comes back, and logs
/// circuits opening and closing.</summary>
public sealed class CircuitEvents(CircuitWork work, ILogger<CircuitEvents> log) : CircuitHandler
{
    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken ct)
    {
        log.LogInformation("Circuit {Circuit} opened", work.Id);
        return Task.CompletedTask;
    }

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken ct)
    {
        work.ConnectionDown();
        return Task.CompletedTask;
    }

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken ct)
    {
        work.ConnectionUp();
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken ct)
    {
        log.LogInformation("Circuit {Circuit} closed", work.Id);
        return Task.CompletedTask;
    }
}
