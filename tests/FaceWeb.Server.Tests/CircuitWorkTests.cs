using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FaceWeb.Server.Tests;

/// <summary>A circuit's work when its browser's connection drops: paused, resumed on reconnection within the grace
/// period, cancelled after it (time is a fake clock; nothing waits for real time).</summary>
public sealed class CircuitWorkTests
{
    static CancellationToken T => TestContext.Current.CancellationToken;
    readonly FakeTimeProvider clock = new();

    CircuitWork Work(double grace = 10) =>
        new(Options.Create(new EngineOptions { ReconnectGraceSeconds = grace }), clock, NullLogger<CircuitWork>.Instance);

    [Fact]
    public async Task Reconnecting_within_the_grace_period_resumes_the_paused_work()
    {
        using var work = Work();
        Assert.True(work.WhenConnectedAsync(T).IsCompletedSuccessfully);
        work.ConnectionDown();
        var paused = work.WhenConnectedAsync(T);
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.False(paused.IsCompleted);
        work.ConnectionUp();
        await paused;
        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.False(work.Token.IsCancellationRequested);
        Assert.Null(work.StopReason);
    }

    [Fact]
    public async Task Staying_away_past_the_grace_period_cancels_the_work_with_a_reason()
    {
        using var work = Work();
        work.ConnectionDown();
        var paused = work.WhenConnectedAsync(work.Token);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.True(work.Token.IsCancellationRequested);
        Assert.Equal("connection lost", work.StopReason);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => paused);
    }

    [Fact]
    public async Task A_job_records_pause_resume_and_its_end()
    {
        using var work = Work();
        var jobs = new JobLog(NullLogger<JobLog>.Instance, clock);
        using (var job = jobs.Begin("text → face", work, work.Id + ":create"))
        {
            job.Paused();
            Assert.Equal(JobState.Paused, Assert.Single(jobs.Recent).State);
            job.Resumed();
            job.Finish();
        }
        var cancelled = jobs.Begin("optimisation", work, work.Id + ":optimise");
        work.ConnectionDown();
        clock.Advance(TimeSpan.FromSeconds(10));
        cancelled.Dispose();
        var ended = await jobs.WaitForAsync(r => r.Kind == "optimisation", T);
        Assert.Equal((JobState.Cancelled, "connection lost"), (ended.State, ended.Reason));
        Assert.Equal(JobState.Finished, jobs.Recent.Single(r => r.Kind == "text → face").State);
    }
}
