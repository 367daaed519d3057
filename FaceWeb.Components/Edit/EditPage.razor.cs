using System.Globalization;
using FaceWeb.Components.Services;
using FaceWeb.Components.Shared;
using FaceWeb.Components.Live;
using Microsoft.AspNetCore.Components;

namespace FaceWeb.Components.Edit;

public partial class EditPage
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    /// <summary>The tabs, in the order the page shows them.</summary>
    internal enum EditTab { Global, Mapper, Optimisation, Sliders, Directions }
    EditTab Tab => (EditTab)tab;

    [SupplyParameterFromQuery(Name = "latent")] public string? LatentQuery { get; set; }
    // A review room's style-space node continued here: its global direction, applied again to the start (RoomContinuation).
    [SupplyParameterFromQuery(Name = "neutral")] public string? NeutralQuery { get; set; }
    [SupplyParameterFromQuery(Name = "target")] public string? TargetQuery { get; set; }
    [SupplyParameterFromQuery(Name = "alpha")] public double? AlphaQuery { get; set; }
    [SupplyParameterFromQuery(Name = "beta")] public double? BetaQuery { get; set; }

    EditCapabilities? caps;
    long seed;
    string? latent;
    string neutral = "a face", target = "";
    int tab;
    // α 0.9, β 0.12: with fs3 through the views tower the default pack's global directions move their attribute for
    // ≥ 80 % of faces (smile by face-api.js: 75 %) and keep the person for ≥ 87 %; at α 1, β 0.08 "a man" kept it for
    // 61 % (ADR 0011's last addendum, faceweb eval edits --global-alpha A --beta B).
    // The engine's GlobalDirectionEdit.DefaultAlpha/DefaultBeta hold the same values for every other host.
    double alpha = 0.9, beta = 0.12, strength = 1, l2 = 0.008, idLambda, progress;
    int steps = 100, mapperSteps = 200;
    bool inDomain = true;   // ADR 0017: the pack's in-domain guidance keeps the optimised face a face
    bool regionOn;
    string? regionBackground;
    SketchCanvas? region;
    string mapper = "";
    bool optimising;
    EditFrame? frame;
    string? error;
    string? notice;
    CancellationTokenSource? optimisation;
    readonly CancellationTokenSource lifetime = new();
    readonly FramePump<EditFrame> previews;

    RestTimer restTimer = null!;

    public EditPage() => previews = new(lifetime.Token);

    /// <summary>α, β and strength are previewed progressively while they move on packs of <see cref="PackSummary.PreviewFrom"/> px and more.</summary>
    bool Previews => caps is { Resolution: >= PackSummary.PreviewFrom };

    protected override void OnInitialized() => restTimer = new(Clock, lifetime.Token);

    internal IReadOnlyList<EditFrame> History => Session.History;

    protected override async Task OnInitializedAsync()
    {
        // Where this browser session left off (kept server-side: a reload or a restart comes back here).
        (seed, latent) = Session.Start;
        frame = Session.History.FirstOrDefault();
        if (LatentQuery is not null)
        {
            if (Session.Items.Any(l => l.Id == LatentQuery)) (latent, frame) = (LatentQuery, null);
            else notice = $"The face in this link ({LatentQuery}) is not in this browser's session (it was made in another browser, or has been "
                          + $"replaced by newer ones), so the page starts from {(latent is null ? $"seed {seed}" : "your last start")} instead.";
            Session.SetStart(seed, latent);
        }
        Session.Changed += OnSessionChanged;
        caps = await Edits.GetCapabilitiesAsync(lifetime.Token);
        if (!caps.GlobalDirections) tab = (int)(!caps.TextEdits ? EditTab.Sliders : caps.Mappers.Count > 0 ? EditTab.Mapper : EditTab.Optimisation);
        mapper = caps.Mappers.FirstOrDefault() ?? "";
        if (TargetQuery is { } t && caps.GlobalDirections && latent == LatentQuery)
        {
            (neutral, target, alpha, beta, tab) = (NeutralQuery ?? neutral, t, AlphaQuery ?? alpha, BetaQuery ?? beta, (int)EditTab.Global);
            await Preview(live: true);
        }
    }

    async Task RefreshCapabilities() => caps = await Edits.GetCapabilitiesAsync(lifetime.Token);

    async Task MapperTrained()
    {
        await RefreshCapabilities();
        if (caps!.Mappers.Contains(target.Trim())) mapper = target.Trim();
    }

    async Task OnRegionToggled(bool on)
    {
        regionOn = on;
        regionBackground = null;
        if (!on) return;
        try { regionBackground = (await Edits.RenderStartAsync(seed, latent, lifetime.Token)).DataUrl; }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { (error, regionOn) = (e.Message, false); }
    }

    Task OnSeedChanged(long value) { seed = Math.Clamp(value, 0, Inputs.MaxSeed); Session.SetStart(seed, latent); return Task.CompletedTask; }
    Task OnStartChanged(string id) { latent = id == "" ? null : id; Session.SetStart(seed, latent); return Task.CompletedTask; }
    void OnSessionChanged() => _ = InvokeAsync(StateHasChanged);
    Task OnAlphaChanged(double v) { alpha = v; return target.Trim() == "" ? Task.CompletedTask : Moved(preview => Preview(live: true, preview)); }
    Task OnBetaChanged(double v) { beta = v; return target.Trim() == "" ? Task.CompletedTask : Moved(preview => Preview(live: true, preview)); }
    Task OnStrengthChanged(double v) { strength = v; return mapper == "" ? Task.CompletedTask : Moved(preview => PreviewMapper(live: true, preview)); }
    Task ApplyGlobal() { restTimer.Stop(); return Preview(live: false); }

    /// <summary>Wordings measured on the default pack at α 1 (model card, "Independent check"): each moves its attribute
    /// for ≥ 74 % of 200 faces by face-api.js or the CelebA judge and keeps the person. "the face of a female" is offered
    /// rather than "the face of a woman", which moved 69 % / 66 % where it moved 74 % / 91 %.</summary>
    internal static readonly IReadOnlyList<string> SuggestedTargets =
        ["a smiling face", "the face of an old person", "the face of a man", "the face of a female", "a face with blond hair", "a face with glasses"];

    /// <summary>A suggested target from "a face", applied at once.</summary>
    Task ApplySuggested(string suggested) { (neutral, target) = ("a face", suggested); return ApplyGlobal(); }

    /// <summary>A slider moved: a progressive preview now and the full frame once it rests (large packs), else the frame.</summary>
    Task Moved(Func<bool, Task> request) => restTimer.Moved(Previews, request, InvokeAsync);

    Task Preview(bool live, bool preview = false)
    {
        if (target.Trim() == "") { error = "Type a target prompt first."; return Task.CompletedTask; }
        return Latest(ct => Edits.GlobalAsync(new GlobalEditRequest(seed, neutral, target, alpha, beta, latent, preview), ct), record: !live);
    }

    Task PreviewMapper(bool live, bool preview = false) =>
        Latest(ct => Edits.MapperAsync(new MapperEditRequest(seed, mapper, strength, latent, preview), ct), record: !live);

    /// <summary>Live previews: every input goes to the engine, which coalesces (see <see cref="FramePump{T}"/>).</summary>
    Task Latest(Func<CancellationToken, Task<EditFrame>> request, bool record) =>
        previews.RequestAsync(request, result =>
        {
            (frame, error) = (result, null);
            if (record) Record(result);
            return InvokeAsync(StateHasChanged);
        }, message => error = message);

    async Task RunOptimisation()
    {
        if (target.Trim() == "") { error = "Type a target prompt first."; return; }
        optimisation = CancellationTokenSource.CreateLinkedTokenSource(lifetime.Token);
        (optimising, progress, error) = (true, 0, null);
        EditFrame? last = null;
        try
        {
            await foreach (var f in Edits.OptimizeAsync(new OptimizeRequest(seed, target, steps, l2, idLambda, latent,
                regionOn && region is { IsEmpty: false } ? region.ExportMask(caps!.Resolution) : null, caps!.Resolution, inDomain && caps.InDomain), optimisation.Token))
            {
                (frame, progress, last) = (f, f.Progress ?? progress, f);
                await InvokeAsync(StateHasChanged);
            }
            if (last is not null) Record(last);
        }
        catch (OperationCanceledException) { if (last is not null) Record(last with { Detail = last.Detail + " (cancelled)" }); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { error = e.Message; }
        finally { optimising = false; }
    }

    void CancelOptimisation() => optimisation?.Cancel();

    void OnSliderFrame(EditFrame f) => (frame, error) = (f, null);

    void Record(EditFrame f) => Session.Record(f);

    public void Dispose()
    {
        restTimer?.Dispose();
        Session.Changed -= OnSessionChanged;
        lifetime.Cancel();
        lifetime.Dispose();
    }
}
