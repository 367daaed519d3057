using System.Threading.RateLimiting;

namespace FaceWeb.Server;

public enum TrainingMode { Off, Limited, Open }

/// <summary>Who may learn sliders, train mappers and precompute from the web UI (<c>FaceWeb:Training</c>: off, limited
/// (default: <c>FaceWeb:TrainingPerHour</c> jobs per hour for the whole server, since visitors are anonymous) or open).
/// A web front-end of a scaled-out deployment refuses all of it: every engine server must run the same pack, and what the
/// app learns is kept in one server's overlay.</summary>
public sealed class TrainingPolicy(Microsoft.Extensions.Options.IOptions<EngineOptions> options, IConfiguration? config = null) : IDisposable
{
    readonly bool scaledOut = config is not null && Cluster.ClusterSettings.Role(config) == Cluster.ServerRole.Web;

    readonly FixedWindowRateLimiter limiter = new(new FixedWindowRateLimiterOptions
    {
        PermitLimit = Math.Max(1, options.Value.TrainingPerHour), Window = TimeSpan.FromHours(1), QueueLimit = 0,
    });

    public TrainingMode Mode => options.Value.Training;

    /// <summary>Why training is refused, or null when it is allowed (without using up a permit).</summary>
    public string? Unavailable =>
        scaledOut ? "Training and learning from the app are off while it runs on several engine servers (they must all run the same pack): train with the faceweb command line and ship the result in the pack."
        : Mode == TrainingMode.Off ? "Training and learning are turned off on this server (FaceWeb:Training)." : null;

    /// <summary>Takes one permit for a job; throws with a message the user can read when there is none.</summary>
    public void Acquire(string what)
    {
        if (Unavailable is { } off) throw new InvalidOperationException(off);
        if (Mode == TrainingMode.Open) return;
        using var lease = limiter.AttemptAcquire();
        if (!lease.IsAcquired)
            throw new InvalidOperationException($"This server allows {options.Value.TrainingPerHour} training jobs an hour and they are used up; {what} can start later.");
    }

    public void Dispose() => limiter.Dispose();
}
