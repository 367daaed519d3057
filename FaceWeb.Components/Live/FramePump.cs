namespace FaceWeb.Components.Live;

/// <summary>Live previews for one control (a slider, a seed): at most one request in flight. Input that arrives while
/// a frame renders replaces any input waiting behind it; when the frame arrives it is shown and the newest waiting
/// input is sent. A user dragging continuously therefore sees a steady stream of frames of recent positions instead
/// of a cancelled frame per input event (which showed nothing until the drag stopped). Only the frame of the newest
/// input may show an error; the pump stops when <paramref name="lifetime"/> ends.</summary>
/// <remarks>Used from a component's event handlers (one synchronisation context), so it needs no lock.</remarks>
public sealed class FramePump<T>(CancellationToken lifetime)
{
    (Func<CancellationToken, Task<T>> Work, Func<T, Task> Show, Action<string> Fail)? waiting;
    bool pumping;

    /// <summary>Frames delivered and inputs replaced before they were sent (for tests and logs).</summary>
    public int Delivered { get; private set; }
    public int Coalesced { get; private set; }

    /// <summary>Asks for a frame; completes when the pump has nothing more to send (or at once if one is in flight).
    /// <paramref name="show"/> runs for each frame delivered for this request; <paramref name="fail"/> gets the message
    /// of an <see cref="ArgumentException"/> or <see cref="InvalidOperationException"/> when no newer input waits.</summary>
    public async Task RequestAsync(Func<CancellationToken, Task<T>> work, Func<T, Task> show, Action<string> fail)
    {
        if (waiting is not null) Coalesced++;
        waiting = (work, show, fail);
        if (pumping) return;
        pumping = true;
        try
        {
            while (waiting is { } next && !lifetime.IsCancellationRequested)
            {
                waiting = null;
                T frame;
                try { frame = await next.Work(lifetime); }
                catch (OperationCanceledException) { return; }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    if (waiting is null) next.Fail(e.Message);
                    continue;
                }
                Delivered++;
                await next.Show(frame);
            }
        }
        finally { pumping = false; }
    }
}
