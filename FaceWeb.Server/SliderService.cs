using System.Globalization;
using System.Runtime.CompilerServices;
using FaceWeb.Components.Services;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators;
using FaceWeb.Server.Rooms;
using static TorchSharp.torch;

namespace FaceWeb.Server;

/// <summary>The slider catalog every circuit shares: the pack editor's directions (used on the engine thread), a snapshot
/// readable anywhere, who is learning what, and learned sliders saved into the pack's overlay (never the pack).</summary>
public sealed class SliderRegistry(PackEditor editor, PackOverlay? overlay, string? learnUnavailable, ILogger log)
{
    readonly object gate = new();
    readonly HashSet<string> learning = new(StringComparer.OrdinalIgnoreCase);
    readonly List<string> problems = editor.Problems.Where(p => p.StartsWith("Slider ", StringComparison.Ordinal)).ToList();
    event Action<SliderCatalog>? Changed;

    public SliderCatalog Catalog =>
        new(editor.Sliders.Values.OrderBy(d => d.Name, StringComparer.OrdinalIgnoreCase).Select(Info).ToList(), learnUnavailable, [.. problems]);

    static SliderInfo Info(AttributeDirection d) =>
        new(d.Name, d.Normal.dim() == 3 ? "W+" : d.Space.ToString(), d.ValidationAccuracy);

    public IDisposable Subscribe(Action<SliderCatalog> changed)
    {
        lock (gate) Changed += changed;
        return new Disposer(() => { lock (gate) Changed -= changed; });
    }

    public void BeginLearning(string name)
    {
        lock (gate)
        {
            if (editor.Sliders.Keys.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase) || ModelPack.Slug(k) == ModelPack.Slug(name)) is { } same)
                throw new ArgumentException($"A slider named '{same}' already exists.");
            if (!learning.Add(name)) throw new ArgumentException($"'{name}' is already being learned.");
        }
    }

    public void EndLearning(string name) { lock (gate) learning.Remove(name); }

    public void EnsureRoom() => overlay?.EnsureRoom();

    /// <summary>Engine thread: adds a learned slider, saves it into the overlay when possible, and tells every subscriber.
    /// Returns where it was saved (null: kept in memory for this run).</summary>
    public string? Add(string name, TrainedBoundary b)
    {
        string? saved = null;
        if (overlay is not null)
        {
            string file = $"boundary-{ModelPack.Slug(name)}.safetensors";
            try
            {
                BoundaryTrainer.Save(b, name, overlay.PathFor(file));
                overlay.Add(ModelPack.BoundaryRole + name, file);
                saved = file;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.LogWarning("Slider '{Name}' is kept in memory only: {Message}", name, e.Message);
            }
        }
        editor.AddSlider(new AttributeDirection(name, b.Normal.clone().DetachFromDisposeScope(), b.Space, b.ValidationAccuracy));
        Action<SliderCatalog>? changed;
        lock (gate) changed = Changed;
        changed?.Invoke(Catalog);
        return saved;
    }
}

/// <summary>One per circuit; every slider frame and learning step runs on the engine thread through the scheduler.</summary>
public sealed class SliderService(EngineSession engineSession, SessionLatentStore session, TrainingPolicy training) : ISliderService
{
    EngineHost host => engineSession.Host;

    public async Task<SliderCatalog> GetCatalogAsync(CancellationToken ct = default) => (await host.Edits.WaitAsync(ct)).Sliders.Catalog;

    public IDisposable Subscribe(Action<SliderCatalog> changed)
    {
        // The registry exists once the edit assets are loaded; subscribe as soon as it does.
        var gate = new object();
        IDisposable? inner = null; bool disposed = false;
        _ = host.Edits.ContinueWith(t =>
        {
            if (!t.IsCompletedSuccessfully) return;
            lock (gate) if (!disposed) inner = t.Result.Sliders.Subscribe(changed);
        }, TaskScheduler.Default);
        return new Disposer(() => { lock (gate) { disposed = true; inner?.Dispose(); } });
    }


    public async Task<EditFrame> RenderAsync(SliderRequest r, CancellationToken ct = default)
    {
        try
        {
            Inputs.Seed(r.Seed);
            foreach (var (name, v) in r.Values) Inputs.Number(v, -Inputs.MaxSliderValue, Inputs.MaxSliderValue, $"The value of '{name}'");
        }
        catch (ArgumentException e) when (engineSession.Refused("sliders", e)) { throw; }
        var groups = EditService.Layers(r.Coarse, r.Middle, r.Fine);
        double psi = session.Truncation;
        var p = await engineSession.PackAsync(ct);
        var request = new SliderEdit(r.Values.Select(v => (v.Key, v.Value)).ToList(), r.KeepFixed, groups, r.Latent is null ? r.Seed : null, psi);
        var (from, origin) = session.Provenance(r.Seed, r.Latent);
        var frame = await engineSession.RunBatchedAsync("sliders", p.Frames(r.Preview), new EditJob(
            () => r.Latent is null ? p.Editor.SeedStart(r.Seed, psi) : session.Get(r.Latent, p.Engine.Generator.Config.NLatent, p.Engine.Generator.Config.StyleDim),
            request, (result, start) =>
            {
                string detail = r.Values.All(v => v.Value == 0) ? (r.Latent is null ? $"seed {r.Seed}" : "session latent") : result.Detail;
                var draft = NodeDrafts.Of("slider", request, result, start, from, origin);
                return png => new EditFrame(png, result.Method.Title(), detail, result.Milliseconds, Draft: draft);
            }), ct);
        return frame.Encode();
    }

    public async IAsyncEnumerable<LearnProgress> LearnAsync(LearnSliderRequest r, [EnumeratorCancellation] CancellationToken ct = default)
    {
        string name = Inputs.Text(r.Attribute, "attribute", Inputs.AttributeLength);
        if (r.Samples is < 100 or > 20_000) throw new ArgumentException("Samples must be between 100 and 20 000.");
        var a = await engineSession.PackAsync(ct);
        if (a.Editor.Space is not { } space) throw new InvalidOperationException(a.Unavailable ?? "Learning a slider needs a text–image space.");
        var o = new BoundaryOptions(r.Samples, Ratio: 0.1, Batch: 16);   // ratio 0.1: enough rows per side for a few thousand samples
        IEnumerable<LearnProgress?> Job(CancellationToken token)
        {
            var codes = new List<Tensor>(); var scores = new List<Tensor>(); var brightness = new List<Tensor>();
            List<IAttributeScorer> scorers = [new TextAttributeScorer(space, name)];
            if (r.KeepSkinTone) scorers.Add(new FaceBrightnessScorer());                     // the condition shares the renders
            try
            {
                // One batch per scheduler turn, so other clients' frames are served in between.
                foreach (var b in BoundaryTrainer.SampleBatches(a.Engine.Generator, scorers, o))
                {
                    codes.Add(b.Codes); scores.Add(b.Scores[0]);
                    if (r.KeepSkinTone) brightness.Add(b.Scores[1]);
                    token.ThrowIfCancellationRequested();
                    yield return new LearnProgress(b.Fraction * 0.95, $"scored {(int)Math.Round(b.Fraction * r.Samples)}/{r.Samples} samples");
                }
                yield return new LearnProgress(0.95, "fitting the linear SVM…");
                TrainedBoundary boundary;
                double cosine;
                string? saved;
                using (var scope = NewDisposeScope())
                {
                    (boundary, cosine) = BoundaryTrainer.FitSliders(cat(codes, 0), [cat(scores, 0)], o,
                        r.KeepSkinTone ? cat(brightness, 0) : null, FaceBrightnessScorer.Name)[0];
                    saved = a.Sliders.Add(name, boundary);
                }
                yield return new LearnProgress(1, $"\"{name}\" learned: validation accuracy {boundary.ValidationAccuracy.ToString("P0", CultureInfo.InvariantCulture)}"
                    + (boundary.ConditionedOn is null ? "" : $", kept off the {boundary.ConditionedOn} (cosine with the plain direction {cosine.ToString("F2", CultureInfo.InvariantCulture)})")
                    + (saved is null ? " (kept for this run: the data folder is not writable)" : ""), a.Sliders.Catalog.Sliders.First(s => s.Name == name));
            }
            finally { foreach (var t in codes.Concat(scores).Concat(brightness)) t.Dispose(); }
        }

        a.Sliders.BeginLearning(name);
        try
        {
            a.Sliders.EnsureRoom();
            training.Acquire("learning a slider");
            yield return new LearnProgress(0, $"scoring {r.Samples} samples for \"{name}\"…");
            await foreach (var p in engineSession.StreamAsync("learn", "learn slider", Job, ct)) yield return p;
        }
        finally { a.Sliders.EndLearning(name); }
    }
}
