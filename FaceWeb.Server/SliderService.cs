using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using FaceWeb.Components.Services;
using FaceWeb.Engine;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators;
using FaceWeb.Engine.Jobs;
using static TorchSharp.torch;

namespace FaceWeb.Server;

/// <summary>The sliders of the loaded pack, shared by every circuit. Directions are touched only on the engine thread;
/// the catalog is a snapshot readable anywhere. Learned sliders are saved into the pack's overlay (never the pack).</summary>
public sealed class SliderRegistry(PackOverlay? overlay, string? learnUnavailable, ILogger log)
{
    readonly object gate = new();
    readonly Dictionary<string, AttributeDirection> directions = new(StringComparer.Ordinal);
    readonly HashSet<string> learning = new(StringComparer.OrdinalIgnoreCase);
    readonly List<string> problems = [];
    event Action<SliderCatalog>? Changed;

    /// <summary>Loads every <c>boundary:NAME</c> file (of the pack and its overlay, as <see cref="EditAssets.Load"/> read
    /// them) that fits the generator; the rest become catalog problems.</summary>
    public static SliderRegistry Load(FaceEngine engine, IEnumerable<(string Name, string Path)> boundaries, PackOverlay? overlay, string? learnUnavailable, ILogger log)
    {
        var r = new SliderRegistry(overlay, learnUnavailable, log);
        var c = engine.Generator.Config;
        foreach (var (name, path) in boundaries)
        {
            try
            {
                var d = BoundaryTrainer.LoadDirection(name, path);
                long width = d.Normal.shape[^1], rows = d.Normal.dim() == 3 ? d.Normal.shape[1] : 1;
                if (width != c.StyleDim || (d.Normal.dim() == 3 && rows != c.NLatent) || d.Normal.dim() is < 2 or > 3)
                {
                    r.problems.Add($"'{name}' was skipped: its direction is [{string.Join(",", d.Normal.shape)}], this generator's latents are {c.StyleDim} wide.");
                    d.Normal.Dispose();
                    continue;
                }
                r.directions[name] = d;
            }
            catch (CheckpointException e) { r.problems.Add($"'{name}' was skipped: {e.Message}"); }
        }
        foreach (var p in r.problems) log.LogWarning("Slider {Problem}", p);
        return r;
    }

    public SliderCatalog Catalog
    {
        get
        {
            lock (gate)
                return new SliderCatalog(directions.Values.OrderBy(d => d.Name, StringComparer.OrdinalIgnoreCase)
                    .Select(Info).ToList(), learnUnavailable, [.. problems]);
        }
    }

    static SliderInfo Info(AttributeDirection d) =>
        new(d.Name, d.Normal.dim() == 3 ? "W+" : d.Space.ToString(), d.ValidationAccuracy);

    public IDisposable Subscribe(Action<SliderCatalog> changed)
    {
        lock (gate) Changed += changed;
        return new Disposer(() => { lock (gate) Changed -= changed; });
    }


    /// <summary>Engine thread only: every slider.</summary>
    public IReadOnlyDictionary<string, AttributeDirection> All() { lock (gate) return new Dictionary<string, AttributeDirection>(directions); }

    /// <summary>Engine thread only.</summary>
    public AttributeDirection Get(string name) => directions.TryGetValue(name, out var d) ? d
        : throw new ArgumentException($"This pack has no slider named '{name}'.");

    public void BeginLearning(string name)
    {
        lock (gate)
        {
            if (directions.Keys.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase) || ModelPack.Slug(k) == ModelPack.Slug(name)) is { } same)
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
        Action<SliderCatalog>? changed;
        lock (gate)
        {
            directions[name] = new AttributeDirection(name, b.Normal.clone().DetachFromDisposeScope(), b.Space, b.ValidationAccuracy);
            changed = Changed;
        }
        changed?.Invoke(Catalog);
        return saved;
    }
}

/// <summary>One per circuit; every slider frame and learning step runs on the engine thread through the scheduler.</summary>
public sealed class SliderService(EngineSession engineSession, SessionLatentStore session, TrainingPolicy training) : ISliderService
{
    public const double Truncation = 0.7;
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
        var groups = (r.Coarse ? LayerGroups.Coarse : 0) | (r.Middle ? LayerGroups.Middle : 0) | (r.Fine ? LayerGroups.Fine : 0);
        if (groups == LayerGroups.None) throw new ArgumentException("Choose at least one layer group (coarse, middle or fine).");
        var (engine, _) = await host.Ready.WaitAsync(ct);
        var a = await host.Edits.WaitAsync(ct);
        return await engineSession.RunAsync("sliders", token =>
            {
                token.ThrowIfCancellationRequested();
                var sw = Stopwatch.StartNew();
                var moves = r.Values.Where(v => v.Value != 0).Select(v => (a.Sliders.Get(v.Key), v.Value)).ToList();
                var fixedOnes = r.KeepFixed.Select(a.Sliders.Get).ToList();
                using var _ = no_grad();
                using var scope = NewDisposeScope();
                var g = engine.Generator;
                var edited = r.Latent is null
                    ? InterFaceGan.Sliders(g, engine.SeedLatent(r.Seed), Truncation, moves, fixedOnes, groups)
                    : InterFaceGan.Sliders(g, session.Get(r.Latent, g.Config.NLatent, g.Config.StyleDim), moves, fixedOnes, groups);
                var png = ImageTensors.ToPng(g.Synthesize(edited));
                string detail = moves.Count == 0 ? (r.Latent is null ? $"seed {r.Seed}" : "session latent")
                    : string.Join(", ", moves.Select(m => $"{m.Item1.Name} {m.Value.ToString("+0.0;-0.0", CultureInfo.InvariantCulture)}"))
                      + (fixedOnes.Count > 0 ? $" (keeping {string.Join(", ", fixedOnes.Select(f => f.Name))})" : "")
                      + (groups != LayerGroups.All ? $" on {groups.ToString().ToLowerInvariant()} layers" : "");
                return new EditFrame(png, "sliders", detail, sw.Elapsed.TotalMilliseconds);
            }, ct);
    }

    public async IAsyncEnumerable<LearnProgress> LearnAsync(LearnSliderRequest r, [EnumeratorCancellation] CancellationToken ct = default)
    {
        string name = Inputs.Text(r.Attribute, "attribute", Inputs.AttributeLength);
        if (r.Samples is < 100 or > 20_000) throw new ArgumentException("Samples must be between 100 and 20 000.");
        var (engine, _) = await host.Ready.WaitAsync(ct);
        var a = await host.Edits.WaitAsync(ct);
        if (a.Space is null) throw new InvalidOperationException(a.Unavailable ?? "Learning a slider needs a text–image space.");
        var o = new BoundaryOptions(r.Samples, Ratio: 0.1, Batch: 16);   // ratio 0.1: enough rows per side for a few thousand samples
        IEnumerable<LearnProgress?> Job(CancellationToken token)
        {
            var codes = new List<Tensor>(); var scores = new List<Tensor>();
            try
            {
                // One batch per scheduler turn, so other clients' frames are served in between.
                foreach (var b in BoundaryTrainer.SampleBatches(engine.Generator, [new TextAttributeScorer(a.Space, name)], o))
                {
                    codes.Add(b.Codes); scores.Add(b.Scores[0]);
                    token.ThrowIfCancellationRequested();
                    yield return new LearnProgress(b.Fraction * 0.95, $"scored {(int)Math.Round(b.Fraction * r.Samples)}/{r.Samples} samples");
                }
                yield return new LearnProgress(0.95, "fitting the linear SVM…");
                TrainedBoundary boundary;
                string? saved;
                using (var scope = NewDisposeScope())
                {
                    boundary = BoundaryTrainer.Fit(cat(codes, 0), cat(scores, 0), o);
                    saved = a.Sliders.Add(name, boundary);
                }
                yield return new LearnProgress(1, $"\"{name}\" learned: validation accuracy {boundary.ValidationAccuracy.ToString("P0", CultureInfo.InvariantCulture)}"
                    + (saved is null ? " (kept for this run: the data folder is not writable)" : ""), a.Sliders.Catalog.Sliders.First(s => s.Name == name));
            }
            finally { foreach (var t in codes.Concat(scores)) t.Dispose(); }
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
