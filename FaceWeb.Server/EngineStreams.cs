using System.Runtime.CompilerServices;
using FaceWeb.Engine.Jobs;

namespace FaceWeb.Server;

public static class EngineStreams
{
    /// <summary>Runs an engine-side sequence one item per scheduler turn under <paramref name="client"/> (other clients
    /// are served in between) and disposes it on the engine thread. A null item is a heartbeat: a turn of work with
    /// nothing to show. The sequence sees the caller's and the circuit's cancellation; a full queue is an
    /// <see cref="InvalidOperationException"/> with the scheduler's message.</summary>
    public static async IAsyncEnumerable<T> StreamAsync<T>(this EngineScheduler scheduler, string client, Func<CancellationToken, IEnumerable<T?>> make,
        CancellationToken circuit, [EnumeratorCancellation] CancellationToken ct = default) where T : class
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, circuit);
        IEnumerator<T?>? items = null;
        try
        {
            while (true)
            {
                (bool More, T? Item) next;
                try
                {
                    next = await scheduler.RunAsync(client, _ =>
                    {
                        items ??= make(linked.Token).GetEnumerator();
                        return items.MoveNext() ? (true, items.Current) : (false, null);
                    }, linked.Token);
                }
                catch (EngineBusyException e) { throw new InvalidOperationException(e.Message, e); }
                if (!next.More) yield break;
                if (next.Item is not null) yield return next.Item;
            }
        }
        finally
        {
            if (items is not null) await scheduler.RunAsync(client + ":dispose", _ => { items.Dispose(); return 0; }, CancellationToken.None);
        }
    }
}
