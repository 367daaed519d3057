using System.Diagnostics;

namespace FaceWeb.Server;

public enum JobState { Running, Paused, Finished, Cancelled, Failed }

/// <summary>A long job (text → face, optimisation, training …) as the server saw it.</summary>
public sealed record JobRecord(string Id, string Kind, string Circuit, string Client, DateTimeOffset Started, JobState State,
    double Milliseconds, string? Reason);

/// <summary>Every long job of the process: structured log lines when one starts, pauses, resumes and ends (with its
/// duration), and the recent ones for tests and diagnostics.</summary>
public sealed class JobLog(ILogger<JobLog> logger, TimeProvider time)
{
    readonly ILogger log = logger;
    const int Keep = 200;
    readonly object gate = new();
    readonly LinkedList<JobRecord> recent = new();
    event Action? Changed;

    public IReadOnlyList<JobRecord> Recent { get { lock (gate) return [.. recent]; } }

    /// <summary>Completes with the first job (latest first) that satisfies <paramref name="match"/>, now or later.</summary>
    public async Task<JobRecord> WaitForAsync(Func<JobRecord, bool> match, CancellationToken ct)
    {
        var found = new TaskCompletionSource<JobRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check() { lock (gate) if (recent.FirstOrDefault(match) is { } r) found.TrySetResult(r); }
        lock (gate) Changed += Check;
        try
        {
            Check();
            return await found.Task.WaitAsync(ct);
        }
        finally { lock (gate) Changed -= Check; }
    }

    public Job Begin(string kind, CircuitWork circuit, string client)
    {
        var r = new JobRecord(Guid.NewGuid().ToString("N")[..12], kind, circuit.Id, client, time.GetUtcNow(), JobState.Running, 0, null);
        Update(null, r);
        log.LogInformation("Job {Job} ({Kind}) started for circuit {Circuit}", r.Id, kind, circuit.Id);
        return new Job(this, r, circuit);
    }

    void Update(JobRecord? old, JobRecord now)
    {
        Action? changed;
        lock (gate)
        {
            if (old is not null && recent.Find(old) is { } node) node.Value = now;
            else
            {
                recent.AddFirst(now);
                if (recent.Count > Keep) recent.RemoveLast();
            }
            changed = Changed;
        }
        changed?.Invoke();
    }

    /// <summary>One job; disposing it without <see cref="Finish"/> records it as cancelled (or failed).</summary>
    public sealed class Job(JobLog owner, JobRecord record, CircuitWork circuit) : IDisposable
    {
        readonly long started = Stopwatch.GetTimestamp();
        JobRecord current = record;
        bool ended;

        public JobRecord Record => current;
        double Ms => Stopwatch.GetElapsedTime(started).TotalMilliseconds;

        void Set(JobState state, string? reason)
        {
            var next = current with { State = state, Milliseconds = Ms, Reason = reason };
            owner.Update(current, next);
            current = next;
        }

        public void Paused()
        {
            Set(JobState.Paused, "connection down");
            owner.log.LogInformation("Job {Job} ({Kind}) paused: its circuit's connection is down", current.Id, current.Kind);
        }

        public void Resumed()
        {
            Set(JobState.Running, null);
            owner.log.LogInformation("Job {Job} ({Kind}) resumed", current.Id, current.Kind);
        }

        public void Finish()
        {
            if (ended) return;
            ended = true;
            Set(JobState.Finished, null);
            owner.log.LogInformation("Job {Job} ({Kind}) finished in {Milliseconds:0} ms", current.Id, current.Kind, current.Milliseconds);
        }

        public void Fail(Exception e)
        {
            if (ended) return;
            ended = true;
            Set(JobState.Failed, e.Message);
            owner.log.LogWarning("Job {Job} ({Kind}) failed after {Milliseconds:0} ms: {Reason}", current.Id, current.Kind, current.Milliseconds, e.Message);
        }

        public void Dispose()
        {
            if (ended) return;
            ended = true;
            Set(JobState.Cancelled, circuit.StopReason ?? "cancelled");
            owner.log.LogInformation("Job {Job} ({Kind}) cancelled after {Milliseconds:0} ms: {Reason}", current.Id, current.Kind, current.Milliseconds, current.Reason);
        }
    }
}
