namespace FaceWeb.Server;

/// <summary>Runs an action once when disposed (unsubscribe, end a job).</summary>
sealed class Disposer(Action action) : IDisposable
{
    int done;
    public void Dispose() { if (Interlocked.Exchange(ref done, 1) == 0) action(); }
}
