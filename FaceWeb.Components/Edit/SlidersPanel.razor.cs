using FaceWeb.Components.Live;
using System.Globalization;
using FaceWeb.Components.Services;
using Microsoft.AspNetCore.Components;

namespace FaceWeb.Components.Edit;

/// <summary>InterFaceGAN sliders: one per attribute of the pack, keep-fixed toggles, layer groups, live preview, and
/// "Add slider…" which learns a new one for everyone.</summary>
public partial class SlidersPanel
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    [Parameter] public long Seed { get; set; }
    /// <summary>A session latent to start from instead of the seed.</summary>
    [Parameter] public string? Latent { get; set; }
    /// <summary>Every rendered frame (live preview).</summary>
    [Parameter] public EventCallback<EditFrame> OnPreview { get; set; }
    /// <summary>The frame the user chose to keep (history).</summary>
    [Parameter] public EventCallback<EditFrame> OnKeep { get; set; }
    /// <summary>The pack is large enough for progressive previews while a slider moves.</summary>
    [Parameter] public bool Previews { get; set; }

    SliderCatalog? catalog;
    readonly Dictionary<string, double> values = [];
    readonly HashSet<string> keepFixed = [];
    bool coarse = true, middle = true, fine = true, learning;
    long renderedSeed;
    string? renderedLatent;
    EditFrame? last;
    string? error, learnMessage;
    string attribute = "";
    int samples = 2000;
    bool keepSkinTone = true;
    double learnProgress;
    IDisposable? subscription;
    CancellationTokenSource? learnJob;
    readonly CancellationTokenSource lifetime = new();
    readonly FramePump<EditFrame> previews;

    RestTimer restTimer = null!;

    public SlidersPanel() => previews = new(lifetime.Token);

    protected override void OnInitialized() => restTimer = new(Clock, lifetime.Token);

    internal IReadOnlyDictionary<string, double> Values => values;

    protected override async Task OnInitializedAsync()
    {
        (renderedSeed, renderedLatent) = (Seed, Latent);
        subscription = Sliders.Subscribe(c => _ = InvokeAsync(() => { catalog = c; StateHasChanged(); }));
        catalog = await Sliders.GetCatalogAsync(lifetime.Token);
    }

    protected override Task OnParametersSetAsync() =>
        (Seed != renderedSeed || Latent != renderedLatent) && values.Count > 0 ? Preview() : Task.CompletedTask;

    double Value(string name) => values.GetValueOrDefault(name);

    Task OnSlider(string name, double v)
    {
        if (v == 0) values.Remove(name); else values[name] = v;
        return restTimer.Moved(Previews, preview => Preview(preview), InvokeAsync);
    }

    Task OnKeepFixed(string name, bool keep)
    {
        if (keep) keepFixed.Add(name); else keepFixed.Remove(name);
        return values.Count > 0 ? Preview() : Task.CompletedTask;
    }

    Task OnLayers(bool c, bool m, bool f)
    {
        if (!(c || m || f)) { error = "Keep at least one layer group."; return Task.CompletedTask; }
        (coarse, middle, fine) = (c, m, f);
        return values.Count > 0 ? Preview() : Task.CompletedTask;
    }

    Task Reset() { values.Clear(); return Preview(); }

    Task Keep() => last is null ? Task.CompletedTask : OnKeep.InvokeAsync(last);

    /// <summary>Live previews: every input goes to the engine, which coalesces (see <see cref="FramePump{T}"/>).</summary>
    Task Preview(bool preview = false)
    {
        (renderedSeed, renderedLatent) = (Seed, Latent);
        var request = new SliderRequest(Seed, new Dictionary<string, double>(values), [.. keepFixed], coarse, middle, fine, Latent, preview);
        return previews.RequestAsync(ct => Sliders.RenderAsync(request, ct), async frame =>
        {
            error = null;
            if (!frame.IsPreview) last = frame;                                  // Keep takes a full frame
            await OnPreview.InvokeAsync(frame);
            await InvokeAsync(StateHasChanged);
        }, message => error = message);
    }

    async Task Learn()
    {
        if (attribute.Trim() == "") { error = "Type the attribute to learn, e.g. \"smiling\"."; return; }
        learnJob = CancellationTokenSource.CreateLinkedTokenSource(lifetime.Token);
        (learning, learnProgress, learnMessage, error) = (true, 0, "starting…", null);
        try
        {
            await foreach (var p in Sliders.LearnAsync(new LearnSliderRequest(attribute.Trim(), samples, keepSkinTone), learnJob.Token))
            {
                (learnProgress, learnMessage) = (p.Fraction, p.Message);
                if (p.Learned is not null) attribute = "";
                await InvokeAsync(StateHasChanged);
            }
        }
        catch (OperationCanceledException) { learnMessage = "Cancelled."; }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { (error, learnMessage) = (e.Message, null); }
        finally { learning = false; }
    }

    void CancelLearning() => learnJob?.Cancel();

    internal static string Slug(string name) =>
        new string(name.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');

    public void Dispose()
    {
        subscription?.Dispose();
        restTimer?.Dispose();
        lifetime.Cancel();
        lifetime.Dispose();
    }
}
