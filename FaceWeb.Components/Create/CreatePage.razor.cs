using FaceWeb.Components.Services;

namespace FaceWeb.Components.Create;

public partial class CreatePage
{
    const int SketchTab = 1;
    CreateCapabilities? caps;
    string caption = "", method = "optimise";
    int tab, count = 3, steps = 100;
    long seed;
    bool running;
    double progress;
    string? error;
    SketchCanvas? sketch;
    readonly Dictionary<int, CreateFrame> slots = [];
    CancellationTokenSource? job;
    readonly CancellationTokenSource lifetime = new();

    protected override async Task OnInitializedAsync()
    {
        caps = await Create.GetCapabilitiesAsync(lifetime.Token);
        if (!caps.Text) tab = SketchTab;
    }

    Task RandomiseRest()
    {
        seed = Random.Shared.NextInt64(0, 1L << 31);
        return Generate();
    }

    async Task Generate()
    {
        IAsyncEnumerable<CreateFrame> frames;
        if (tab == SketchTab)
        {
            if (sketch is null || sketch.IsEmpty) { error = "Draw a sketch first."; return; }
            frames = Create.SketchToFaceAsync(new SketchToFaceRequest(sketch.Export(caps!.Resolution), caps.Resolution,
                caps.Text && caption.Trim() != "" ? caption.Trim() : null, steps, seed), Token());
        }
        else
        {
            if (caption.Trim() == "") { error = "Type a caption first."; return; }
            frames = Create.TextToFaceAsync(new TextToFaceRequest(caption.Trim(), method, count, steps, seed), Token());
        }
        (running, progress, error) = (true, 0, null);
        slots.Clear();
        try
        {
            await foreach (var f in frames)
            {
                slots[f.Slot] = f;
                progress = f.Progress;
                await InvokeAsync(StateHasChanged);
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { error = e.Message; }
        finally { running = false; }
    }

    CancellationToken Token()
    {
        job?.Cancel();
        job = CancellationTokenSource.CreateLinkedTokenSource(lifetime.Token);
        return job.Token;
    }

    void Cancel() => job?.Cancel();

    public void Dispose()
    {
        lifetime.Cancel();
        lifetime.Dispose();
    }
}
