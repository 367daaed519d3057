using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using FaceWeb.Components.Services;
using FaceWeb.Engine;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators;
using FaceWeb.Engine.Identity;
using FaceWeb.Engine.Jobs;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Server;

/// <summary>What the edit methods need beyond the generator; loaded with the engine (null parts are unavailable).</summary>
public sealed class EditAssets(ITextImageSpace? space, StyleSpaceStats? stats, Tensor? fs3, IReadOnlyDictionary<string, string> mapperFiles,
    SliderRegistry sliders, IIdentityModel? identity, string? unavailable)
{
    public IIdentityModel? Identity { get; } = identity;
    public SliderRegistry Sliders { get; } = sliders;
    /// <summary>Prompt ensembling for Δt (FaceWeb:Templates: faces, none or a file).</summary>
    public IReadOnlyList<string> Templates { get; init; } = PromptTemplates.Faces;
    /// <summary>The pack's text→W prior (role prior:text-to-w), loaded on first use on the engine thread.</summary>
    public string? PriorFile { get; init; }
    public TextToWPrior? Prior { get; set; }

    /// <summary>Engine thread: every mapper of the pack, loaded.</summary>
    public IReadOnlyDictionary<string, StyleClipMapper> AllMappers()
    {
        foreach (var (name, file) in MapperFiles)
            if (!Mappers.ContainsKey(name)) Mappers[name] = StyleClipMapper.Load(file);
        return Mappers;
    }
    public ITextImageSpace? Space { get; } = space;
    public StyleSpaceStats? Stats { get; } = stats;
    public Tensor? Fs3 { get; } = fs3;
    public IReadOnlyDictionary<string, string> MapperFiles { get; } = mapperFiles;
    public string? Unavailable { get; } = unavailable;
    // Touched only on the engine thread.
    public Dictionary<(string, string), Tensor> DtCache { get; } = [];
    public Dictionary<string, StyleClipMapper> Mappers { get; } = [];

    public static EditAssets Load(FaceEngine engine, string? packDir, EngineOptions o, ILogger log)
    {
        ITextImageSpace? space = null;
        string? why = null;
        if (o.Clip is not null && o.ClipVocab is not null) space = ClipSpace.Load(o.Clip, o.ClipVocab);
        else why = "Text edits need a text–image space: start the app with --FaceWeb:Clip=ViT-B-32.pt --FaceWeb:ClipVocab=bpe_simple_vocab_16e6.txt.gz (the default pack's own space comes with its next version).";
        StyleSpaceStats? stats = null; Tensor? fs3 = null;
        string? priorFile = null;
        var mappers = new Dictionary<string, string>();
        if (packDir is not null)
        {
            var pack = ModelPack.Load(packDir);
            var roles = pack.Manifest.Files.ToDictionary(f => f.Role, f => pack.PathOf(f.Role));
            if (roles.TryGetValue("stylespace-stats", out var s)) stats = StyleSpaceStats.Load(s, engine.Generator);
            if (roles.TryGetValue("fs3", out var f))
            {
                using var sd = CheckpointReader.Load(f);
                fs3 = sd["fs3"].clone();
                if (space is not null && fs3.shape[1] != space.EmbedDim) { fs3.Dispose(); fs3 = null; }   // computed in another space
            }
            foreach (var (role, path) in roles.Where(r => r.Key.StartsWith("mapper:", StringComparison.Ordinal)))
                mappers[role["mapper:".Length..]] = path;
            if (roles.TryGetValue("prior:text-to-w", out var prior)) priorFile = prior;
        }
        var sliders = SliderRegistry.Load(engine, packDir, space is null ? "Learning a slider needs a text–image space (see above)." : null, log);
        var identity = o.Identity is null ? null : ArcFaceIdentity.Load(o.Identity);
        return new EditAssets(space, stats, fs3, mappers, sliders, identity, why) { Templates = PromptTemplates.Resolve(o.Templates), PriorFile = priorFile };
    }
}

/// <summary>One per circuit; every edit runs on the engine thread through the scheduler.</summary>
public sealed class EditService(EngineHost host, SessionLatentStore session) : IEditService, IDisposable
{
    readonly string client = Guid.NewGuid().ToString("N");
    readonly CancellationTokenSource circuit = new();

    public async Task<EditCapabilities> GetCapabilitiesAsync(CancellationToken ct = default)
    {
        var a = await host.Edits.WaitAsync(ct);
        return new EditCapabilities(a.Space is not null, a.Space is not null && a.Stats is not null && a.Fs3 is not null,
            a.MapperFiles.Keys.Order().ToList(), a.Unavailable, a.Identity is not null);
    }

    public async Task<EditFrame> GlobalAsync(GlobalEditRequest r, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(r.Target)) throw new ArgumentException("Type a target prompt.");
        if (!double.IsFinite(r.Alpha) || !double.IsFinite(r.Beta) || r.Beta < 0) throw new ArgumentException("α and β must be numbers, β ≥ 0.");
        var (engine, _) = await host.Ready.WaitAsync(ct);
        var a = await host.Edits.WaitAsync(ct);
        if (a.Space is null || a.Stats is null || a.Fs3 is null) throw new InvalidOperationException("Global directions are not available for this pack (precompute stylespace and fs3).");
        return await Run(client, ct, () =>
        {
            var g = engine.Generator;
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var key = (r.Neutral.Trim(), r.Target.Trim());
            if (!a.DtCache.TryGetValue(key, out var dt))
                a.DtCache[key] = dt = GlobalDirections.Dt(a.Space.EmbedTexts(PromptTemplates.Fill(a.Templates, key.Item2)),
                    a.Space.EmbedTexts(PromptTemplates.Fill(a.Templates, key.Item1))).MoveToOuterDisposeScope();
            var layers = Fs3Job.ManipulableLayers(g);
            var (delta, moved) = GlobalDirections.Boundary(a.Fs3, dt, r.Beta, layers.Select(l => a.Stats.Std[l.Index]).ToList());
            var styles = g.Styles(Start(engine, r.Seed, r.Latent));
            var png = ImageTensors.ToPng(g.SynthesizeStyles(StyleEdits.Apply(styles, layers, delta, r.Alpha)));
            return (png, "global", $"\"{r.Target}\" α {r.Alpha.ToString("0.0", CultureInfo.InvariantCulture)}, β {r.Beta.ToString("0.00", CultureInfo.InvariantCulture)}: {moved} channels", (int?)moved);
        });
    }

    public async Task<EditFrame> MapperAsync(MapperEditRequest r, CancellationToken ct = default)
    {
        if (!double.IsFinite(r.Strength)) throw new ArgumentException("Strength must be a number.");
        var (engine, _) = await host.Ready.WaitAsync(ct);
        var a = await host.Edits.WaitAsync(ct);
        if (!a.MapperFiles.TryGetValue(r.Mapper, out var file)) throw new ArgumentException($"No mapper named '{r.Mapper}' in this pack.");
        return await Run(client, ct, () =>
        {
            if (!a.Mappers.TryGetValue(r.Mapper, out var mapper)) a.Mappers[r.Mapper] = mapper = StyleClipMapper.Load(file);
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var png = ImageTensors.ToPng(engine.Generator.Synthesize(mapper.Edit(Start(engine, r.Seed, r.Latent), r.Strength)));
            return (png, "mapper", $"\"{r.Mapper}\" strength {r.Strength.ToString("0.00", CultureInfo.InvariantCulture)}", (int?)null);
        });
    }

    public async IAsyncEnumerable<EditFrame> OptimizeAsync(OptimizeRequest r, [EnumeratorCancellation] CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(r.Target)) throw new ArgumentException("Type a target prompt.");
        var options = new OptimizationOptions(r.Steps, L2Lambda: r.L2Lambda, FrameEvery: Math.Max(1, r.Steps / 20), IdLambda: r.IdLambda);
        options.Validate();
        var (engine, _) = await host.Ready.WaitAsync(ct);
        var a = await host.Edits.WaitAsync(ct);
        if (a.Space is null) throw new InvalidOperationException(a.Unavailable ?? "No text–image space.");
        if (r.IdLambda > 0 && a.Identity is null) throw new ArgumentException("λ ID needs an identity model: start the app with --FaceWeb:Identity=model_ir_se50.pth.");
        string job = client + ":optimise";                  // slider previews must not cancel a running optimisation
        IEnumerator<OptimizationFrame>? steps = null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, circuit.Token);
        try
        {
            while (true)
            {
                // Each chunk (up to the next frame) is one scheduler turn, so other clients are served in between.
                var frame = await host.Scheduler.RunAsync(job, token =>
                {
                    steps ??= LatentOptimizer.Run(engine.Generator, a.Space, Start(engine, r.Seed, r.Latent), a.Space.EmbedTexts([r.Target])[0], options, token, a.Identity).GetEnumerator();
                    var sw = Stopwatch.StartNew();
                    while (steps.MoveNext())
                    {
                        var f = steps.Current;
                        if (f.Image is null) continue;
                        using var img = f.Image; f.Latent?.Dispose();
                        return new EditFrame(ImageTensors.ToPng(img), "optimise",
                            $"\"{r.Target}\" step {f.Step}/{r.Steps}, CLIP loss {f.ClipLoss.ToString("0.000", CultureInfo.InvariantCulture)}"
                            + (r.IdLambda > 0 ? $", ID loss {f.IdLoss.ToString("0.000", CultureInfo.InvariantCulture)}" : ""),
                            sw.Elapsed.TotalMilliseconds, null, (double)f.Step / r.Steps);
                    }
                    return null;
                }, linked.Token);
                if (frame is null) yield break;
                yield return frame;
            }
        }
        finally
        {
            if (steps is not null) await host.Scheduler.RunAsync(job + ":dispose", _ => { steps.Dispose(); return 0; }, CancellationToken.None);
        }
    }

    /// <summary>Engine thread: the start W+ [1,L,D], a session latent when one is named, else the seed's.</summary>
    Tensor Start(FaceEngine e, long seed, string? latent)
    {
        if (latent is not null) return session.Get(latent, e.Generator.Config.NLatent, e.Generator.Config.StyleDim);
        if (seed < 0) throw new ArgumentException("The seed must be zero or positive.");
        return e.SeedWPlus(seed, 0.7);
    }

    async Task<EditFrame> Run(string id, CancellationToken ct, Func<(byte[] Png, string Method, string Detail, int? Moved)> work)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, circuit.Token);
        try
        {
            return await host.Scheduler.RunAsync(id, token =>
            {
                token.ThrowIfCancellationRequested();
                var sw = Stopwatch.StartNew();
                var (png, method, detail, moved) = work();
                return new EditFrame(png, method, detail, sw.Elapsed.TotalMilliseconds, moved);
            }, linked.Token);
        }
        catch (EngineBusyException e) { throw new InvalidOperationException(e.Message, e); }
    }

    public void Dispose()
    {
        circuit.Cancel();
        circuit.Dispose();
    }
}
