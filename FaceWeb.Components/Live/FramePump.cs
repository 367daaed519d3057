namespace FaceWeb.Components.Live;

/// <summary>Live previews for one control (a slider, a seed). Every input is handed to the service at once; the engine
/// coalesces (ADR 0005): a frame that is rendering finishes, and of the inputs that arrived meanwhile only the newest
/// is rendered next, the others are cancelled. The engine therefore never waits for a round trip to the browser, and
/// a user dragging continuously sees a steady stream of frames of recent positions. A frame is shown unless a newer
/// one is already on screen; only the newest input may show an error.</summary>
/// <remarks>Used from a component's event handlers (one synchronisation context), so it needs no lock.</remarks>
public sealed class FramePump<T>(CancellationToken lifetime)
{
    long sent, shown;

    /// <summary>Asks for a frame; completes when it is shown, replaced or refused. <paramref name="show"/> runs if the
    /// frame is not older than the one on screen; <paramref name="fail"/> gets the message of an
    /// <see cref="ArgumentException"/> or <see cref="InvalidOperationException"/> when no newer input was sent.</summary>
    public async Task RequestAsync(Func<CancellationToken, Task<T>> work, Func<T, Task> show, Action<string> fail)
    {
        long mine = ++sent;
        T frame;
        try { frame = await work(lifetime); }
        catch (OperationCanceledException) { return; }                   // replaced by newer input before it rendered, or the page closed
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            if (mine == sent) fail(e.Message);
            return;
        }
        if (mine < shown) return;
        shown = mine;
        await show(frame);
    }
}
