namespace FaceWeb.Components.Live;

/// <summary>Progressive previews for one live input on a large pack (<see cref="Services.PackSummary.PreviewFrom"/> px and
/// up): while the input moves, each move asks for a preview (the generator's lower blocks only); once it has been still
/// for <see cref="Rest"/>, the full frame is asked for. One timer per drag: each move restarts it.</summary>
/// <remarks>Used from a component's event handlers (one synchronisation context), so it needs no lock.</remarks>
public sealed class RestTimer(TimeProvider clock, CancellationToken lifetime) : IDisposable
{
    /// <summary>How long an input must stay still before the full frame is asked for.</summary>
    public static readonly TimeSpan Rest = TimeSpan.FromMilliseconds(250);
    CancellationTokenSource? rest;

    /// <summary>An input moved. With <paramref name="previews"/>: asks for a preview now and for the full frame at rest
    /// (<paramref name="full"/> runs on the caller's context through <paramref name="invoke"/>); without: the full frame now.</summary>
    public Task Moved(bool previews, Func<bool, Task> request, Func<Func<Task>, Task> invoke)
    {
        Stop();
        if (!previews) return request(false);
        rest = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
        _ = AtRest(rest.Token, () => request(false), invoke);
        return request(true);
    }

    /// <summary>A discrete change (a seed, a button): the full frame now, and no pending one from a drag.</summary>
    public void Stop()
    {
        rest?.Cancel();
        rest?.Dispose();
        rest = null;
    }

    async Task AtRest(CancellationToken ct, Func<Task> full, Func<Func<Task>, Task> invoke)
    {
        try { await Task.Delay(Rest, clock, ct); }
        catch (OperationCanceledException) { return; }                   // moved again, or the page closed
        await invoke(full);
    }

    public void Dispose() => Stop();
}
