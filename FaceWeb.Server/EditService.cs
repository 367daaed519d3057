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
    // Set on the engine thread when a precompute finishes; read anywhere.
    public StyleSpaceStats? Stats { get; set; } = stats;
    public Tensor? Fs3 { get; set; } = fs3;
    public System.Collections.Concurrent.ConcurrentDictionary<string, string> MapperFiles { get; } = new(mapperFiles);
    /// <summary>Face detection, landmarks and alignment for uploads (null when the face-api.js weights are missing: <see cref="AlignerOff"/> says so).</summary>
    public Engine.Inversion.FaceAligner? Aligner { get; init; }
    /// <summary>The pack's W+ encoder: photo reconstructions start from it ("encoder + refine") instead of the mean latent.</summary>
    public Engine.Inversion.PackEncoder? Encoder { get; init; }
    public string? AlignerOff { get; init; }

    /// <summary>Where jobs save what they make (null for the placeholder): the pack's overlay in the data folder, never the pack.</summary>
    public PackOverlay? Overlay { get; init; }
    readonly HashSet<string> jobs = [];

    /// <summary>One job of a kind at a time across all users (e.g. one precompute, one mapper per text).</summary>
    public IDisposable BeginJob(string key, string busy)
    {
        lock (jobs) if (!jobs.Add(key)) throw new InvalidOperationException(busy);
        return new Disposer(() => { lock (jobs) jobs.Remove(key); });
    }

    public string? Unavailable { get; } = unavailable;
    // Touched only on the engine thread.
    public Dictionary<(string, string), Tensor> DtCache { get; } = [];
    public Dictionary<string, StyleClipMapper> Mappers { get; } = [];

    public static EditAssets Load(FaceEngine engine, string? packDir, PackOverlay? overlay, EngineOptions o, ILogger log)
    {
        var space = TextImageSpaces.Open(o.Clip, o.ClipVocab, packDir);
        string? why = space is not null ? null
            : "Text edits need a text–image space: this pack has no FaceCLIP-mini, so start the app with --FaceWeb:Clip=ViT-B-32.pt --FaceWeb:ClipVocab=bpe_simple_vocab_16e6.txt.gz.";
        StyleSpaceStats? stats = null; Tensor? fs3 = null;
        string? priorFile = null;
        Engine.Inversion.PackEncoder? encoder = null;
        var mappers = new Dictionary<string, string>();
        var boundaries = new List<(string Name, string Path)>();
        if (packDir is not null)
        {
            var pack = ModelPack.Load(packDir);
            var roles = pack.Manifest.Files.ToDictionary(f => f.Role, f => pack.PathOf(f.Role));
            if (overlay is not null) foreach (var (role, path) in overlay.Roles()) roles.TryAdd(role, path);
            if (roles.TryGetValue("stylespace-stats", out var s)) stats = StyleSpaceStats.Load(s, engine.Generator);
            if (roles.TryGetValue("fs3", out var f))
            {
                using var sd = CheckpointReader.Load(f);
                fs3 = sd["fs3"].clone();
                if (space is not null && fs3.shape[1] != space.EmbedDim) { fs3.Dispose(); fs3 = null; }   // computed in another space
            }
            foreach (var (role, path) in roles.Where(r => r.Key.StartsWith("mapper:", StringComparison.Ordinal)))
                mappers[role["mapper:".Length..]] = path;
            foreach (var (role, path) in roles.Where(r => r.Key.StartsWith(ModelPack.BoundaryRole, StringComparison.Ordinal)))
                boundaries.Add((role[ModelPack.BoundaryRole.Length..], path));
            if (roles.TryGetValue(ModelPack.PriorRole, out var prior)) priorFile = prior;
            if (roles.TryGetValue(ModelPack.EncoderRole, out var enc)) encoder = Engine.Inversion.PackEncoder.Load(enc);
        }
        var sliders = SliderRegistry.Load(engine, boundaries, overlay, space is null ? "Learning a slider needs a text–image space (see above)."
            : o.Training == TrainingMode.Off ? "Learning sliders is turned off on this server (FaceWeb:Training)." : null, log);
        Engine.Inversion.FaceAligner? aligner = null;
        IIdentityModel? identity = o.Identity is null ? null : IdentityModels.Open(o.Identity);
        string? alignerOff = null;
        try
        {
            string faceApi = Engine.Evaluation.FaceApiModels.Directory();
            aligner = Engine.Inversion.FaceAligner.Load(faceApi);
            identity ??= FaceApiIdentity.Load(faceApi);                                   // λ_ID and the identity metric without an ArcFace file
        }
        catch (Exception e) when (e is DirectoryNotFoundException or FileNotFoundException or CheckpointException)
        {
            alignerOff = $"Face detection is off ({e.Message}); the centre square of a photo is used as it is.";
            log.LogWarning("{Why}", alignerOff);
        }
        return new EditAssets(space, stats, fs3, mappers, sliders, identity, why)
        {
            Templates = PromptTemplates.Resolve(o.Templates), PriorFile = priorFile, Overlay = overlay, Aligner = aligner, AlignerOff = alignerOff, Encoder = encoder,
        };
    }
}

/// <summary>One per circuit; every edit runs on the engine thread through the scheduler.</summary>
public sealed class EditService(EngineSession engineSession, SessionLatentStore session, TrainingPolicy training) : IEditService
{
    EngineHost host => engineSession.Host;

    public async Task<EditCapabilities> GetCapabilitiesAsync(CancellationToken ct = default)
    {
        var (engine, _) = await host.Ready.WaitAsync(ct);
        var a = await host.Edits.WaitAsync(ct);
        return new EditCapabilities(a.Space is not null, a.Space is not null && a.Stats is not null && a.Fs3 is not null,
            a.MapperFiles.Keys.Order().ToList(), a.Unavailable, a.Identity is not null,
            CanPrecompute: a.Space is not null && (a.Stats is null || a.Fs3 is null) && a.Overlay is not null && training.Unavailable is null, Resolution: engine.Generator.Config.Size);
    }

    public async Task<EditFrame> GlobalAsync(GlobalEditRequest r, CancellationToken ct = default)
    {
        try
        {
            r = r with { Target = Inputs.Text(r.Target, "target prompt"), Neutral = Inputs.Text(r.Neutral, "neutral prompt") };
            Inputs.Number(r.Alpha, -Inputs.MaxAlpha, Inputs.MaxAlpha, "α");
            Inputs.Number(r.Beta, 0, Inputs.MaxBeta, "β");
        }
        catch (ArgumentException e) when (engineSession.Refused("global direction", e)) { throw; }
        var (engine, _) = await host.Ready.WaitAsync(ct);
        var a = await host.Edits.WaitAsync(ct);
        if (a.Space is null || a.Stats is null || a.Fs3 is null) throw new InvalidOperationException("Global directions are not available for this pack (precompute stylespace and fs3).");
        return await Run(ct, () =>
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
        try
        {
            Inputs.Number(r.Strength, -Inputs.MaxStrength, Inputs.MaxStrength, "Strength");
        }
        catch (ArgumentException e) when (engineSession.Refused("mapper", e)) { throw; }
        var (engine, _) = await host.Ready.WaitAsync(ct);
        var a = await host.Edits.WaitAsync(ct);
        if (!a.MapperFiles.TryGetValue(r.Mapper, out var file)) throw new ArgumentException($"No mapper named '{r.Mapper}' in this pack.");
        return await Run(ct, () =>
        {
            if (!a.Mappers.TryGetValue(r.Mapper, out var mapper)) a.Mappers[r.Mapper] = mapper = StyleClipMapper.Load(file);
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var png = ImageTensors.ToPng(engine.Generator.Synthesize(mapper.Edit(Start(engine, r.Seed, r.Latent), r.Strength)));
            return (png, "mapper", $"\"{r.Mapper}\" strength {r.Strength.ToString("0.00", CultureInfo.InvariantCulture)}", (int?)null);
        });
    }

    public async Task<EditFrame> RenderStartAsync(long seed, string? latent, CancellationToken ct = default)
    {
        var (engine, _) = await host.Ready.WaitAsync(ct);
        return await Run(ct, () =>
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            return (ImageTensors.ToPng(engine.Generator.Synthesize(Start(engine, seed, latent))), "start", latent is null ? $"seed {seed}" : "session latent", (int?)null);
        });
    }

    public async IAsyncEnumerable<EditFrame> OptimizeAsync(OptimizeRequest r, [EnumeratorCancellation] CancellationToken ct = default)
    {
        try
        {
            r = r with { Target = Inputs.Text(r.Target, "target prompt") };
            Inputs.Number(r.L2Lambda, 0, 10, "λ L2");
            Inputs.Number(r.IdLambda, 0, 10, "λ ID");
            new OptimizationOptions(r.Steps, L2Lambda: r.L2Lambda, IdLambda: r.IdLambda).Validate();
        }
        catch (ArgumentException e) when (engineSession.Refused("optimisation", e)) { throw; }
        var options = new OptimizationOptions(r.Steps, L2Lambda: r.L2Lambda, FrameEvery: Math.Max(1, r.Steps / 20), IdLambda: r.IdLambda);
        var (engine, _) = await host.Ready.WaitAsync(ct);
        var a = await host.Edits.WaitAsync(ct);
        if (a.Space is null) throw new InvalidOperationException(a.Unavailable ?? "No text–image space.");
        if (r.Region is not null && (r.RegionSize != engine.Generator.Config.Size || r.Region.Length != r.RegionSize * r.RegionSize || r.Region.Any(v => !float.IsFinite(v))))
            throw new ArgumentException($"The region mask must be {engine.Generator.Config.Size}×{engine.Generator.Config.Size} numbers.");
        if (r.Region is not null && r.Region.All(v => v <= 0)) throw new ArgumentException("The region is empty: paint where the edit may change the face.");
        if (r.IdLambda > 0 && a.Identity is null) throw new ArgumentException("λ ID needs an identity model: start the app with --FaceWeb:Identity=model_ir_se50.pth.");
        IEnumerable<EditFrame?> Frames(CancellationToken token)
        {
            Tensor start, text; Tensor? region = null;
            using (var scope = NewDisposeScope())
            {
                start = Start(engine, r.Seed, r.Latent).MoveToOuterDisposeScope();
                text = a.Space.EmbedTexts([r.Target])[0].MoveToOuterDisposeScope();
                if (r.Region is not null) region = tensor(r.Region, [1, 1, r.RegionSize, r.RegionSize]).MoveToOuterDisposeScope();
            }
            try
            {
                var sw = Stopwatch.StartNew();
                foreach (var f in LatentOptimizer.Run(engine.Generator, a.Space, start, text, options, token, a.Identity, region))
                {
                    if (f.Image is null) { yield return null; continue; }     // one step per scheduler turn
                    using var img = f.Image; f.Latent?.Dispose();
                    yield return new EditFrame(ImageTensors.ToPng(img), "optimise",
                        $"\"{r.Target}\" step {f.Step}/{r.Steps}, CLIP loss {f.ClipLoss.ToString("0.000", CultureInfo.InvariantCulture)}"
                        + (r.IdLambda > 0 ? $", ID loss {f.IdLoss.ToString("0.000", CultureInfo.InvariantCulture)}" : ""),
                        sw.Elapsed.TotalMilliseconds, null, (double)f.Step / r.Steps);
                    sw.Restart();
                }
            }
            finally { start.Dispose(); text.Dispose(); region?.Dispose(); }
        }
        await foreach (var f in engineSession.StreamAsync("optimise", "optimisation", Frames, ct)) yield return f;
    }

    public async IAsyncEnumerable<JobProgress> TrainMapperAsync(TrainMapperRequest r, [EnumeratorCancellation] CancellationToken ct = default)
    {
        string text = Inputs.Text(r.Text, "target prompt");
        if (r.Steps is < 1 or > 5000) throw new ArgumentException("Steps must be between 1 and 5 000.");
        var (engine, _) = await host.Ready.WaitAsync(ct);
        var a = await host.Edits.WaitAsync(ct);
        if (a.Space is null) throw new InvalidOperationException(a.Unavailable ?? "Training a mapper needs a text–image space.");
        if (a.Overlay is not { } overlay) throw new InvalidOperationException("Mappers belong to a model pack; the placeholder generator has none.");
        if (overlay.Ships("mapper:" + text) || a.MapperFiles.Keys.Any(k => !string.Equals(k, text, StringComparison.Ordinal) && ModelPack.Slug(k) == ModelPack.Slug(text)))
            throw new ArgumentException($"A mapper for \"{text}\" (or a prompt written the same way) already exists; pick it in the list or type another prompt.");
        overlay.EnsureRoom();
        using var exclusive = a.BeginJob("mapper:" + text.ToLowerInvariant(), $"A mapper for \"{text}\" is already being trained.");
        training.Acquire("a mapper");
        using var job = engineSession.BeginJob("train mapper", "jobs");
        var g = engine.Generator;
        StyleClipMapper? mapper = null;
        IEnumerator<(int Step, double ClipLoss)>? steps = null;
        Tensor? embedding = null;
        try
        {
            yield return new JobProgress(0, $"training a mapper for \"{text}\"…");
            while (true)
            {
                // About a quarter of a second of training per scheduler turn, so other clients are served in between.
                var (step, loss, finished) = await TimeSlice(job, token =>
                {
                    if (steps is null)
                    {
                        using (no_grad()) embedding = a.Space.EmbedTexts([text])[0].DetachFromDisposeScope();
                        mapper = new StyleClipMapper(g.Config.StyleDim, fine: g.Config.NLatent > 8);
                        steps = MapperTrainer.Steps(mapper, g, a.Space, embedding, new MapperTrainingOptions(r.Steps, Batch: 2)).GetEnumerator();
                    }
                    var sw = Stopwatch.StartNew();
                    (int Step, double Loss) last = (0, double.NaN);
                    while (sw.ElapsedMilliseconds < 250)
                    {
                        token.ThrowIfCancellationRequested();
                        if (!steps.MoveNext()) return (last.Step, last.Loss, true);
                        last = (steps.Current.Step, steps.Current.ClipLoss);
                    }
                    return (last.Step, last.Loss, false);
                }, ct);
                if (finished) break;
                yield return new JobProgress((double)step / r.Steps, $"step {step}/{r.Steps}, CLIP loss {loss.ToString("0.000", CultureInfo.InvariantCulture)}");
            }
            string file = await TimeSlice(job, _ =>
            {
                string name = $"mapper-{ModelPack.Slug(text)}.safetensors", path = overlay.PathFor(name);
                MapperTrainer.Save(mapper!, path, text);
                overlay.Add("mapper:" + text, name);
                if (a.Mappers.Remove(text, out var old)) old.Dispose();
                a.MapperFiles[text] = path;
                return name;
            }, ct);
            job.Finish();
            yield return new JobProgress(1, $"mapper for \"{text}\" saved ({file}, beside the pack)", Done: true);
        }
        finally
        {
            await engineSession.CleanUpAsync("jobs", () => { steps?.Dispose(); mapper?.Dispose(); embedding?.Dispose(); });
        }
    }

    public async IAsyncEnumerable<JobProgress> PrecomputeGlobalAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        var (engine, _) = await host.Ready.WaitAsync(ct);
        var a = await host.Edits.WaitAsync(ct);
        if (a.Space is null) throw new InvalidOperationException(a.Unavailable ?? "Global directions need a text–image space.");
        if (a.Overlay is not { } overlay) throw new InvalidOperationException("Global directions belong to a model pack; the placeholder generator has none.");
        overlay.EnsureRoom();
        using var exclusive = a.BeginJob("precompute", "Global directions are already being precomputed (by you or someone else).");
        training.Acquire("precomputing");
        using var job = engineSession.BeginJob("precompute global directions", "jobs");
        var g = engine.Generator;
        if (a.Stats is null)
        {
            yield return new JobProgress(0, "StyleSpace statistics (10 000 samples)…");
            await TimeSlice(job, token =>
            {
                var stats = StyleSpaceStats.Compute(g, 10_000, ct: token);
                stats.Save(overlay.PathFor("stylespace_stats.safetensors"));
                overlay.Add("stylespace-stats", "stylespace_stats.safetensors");
                a.Stats = stats;
                return 0;
            }, ct);
        }
        string progressFile = overlay.PathFor("fs3.progress.safetensors");
        var options = new Fs3Options(Images: 8, ChannelsPerBlock: 2);      // small blocks: each scheduler turn stays short
        double fraction = 0;
        while (a.Fs3 is null)
        {
            // Each turn runs fs3 for about a second and stops; the progress file makes the next turn continue there.
            var done = await TimeSlice(job, token =>
            {
                using var slice = CancellationTokenSource.CreateLinkedTokenSource(token);
                slice.CancelAfter(1000);
                try
                {
                    var fs3 = Fs3Job.Run(g, a.Space, a.Stats!, options, progressFile, new Progress(f => fraction = f), slice.Token);
                    SafeTensors.Save(overlay.PathFor("fs3.safetensors"), new Dictionary<string, Tensor> { ["fs3"] = fs3 },
                        new Dictionary<string, string> { ["space"] = a.Space.Name, ["images"] = options.Images.ToString(CultureInfo.InvariantCulture) });
                    overlay.Add("fs3", "fs3.safetensors");
                    File.Delete(progressFile);
                    a.Fs3 = fs3;
                    return true;
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested) { return false; }
            }, ct);
            if (!done) yield return new JobProgress(0.05 + 0.95 * fraction, $"fs3: {fraction:P0} of the channels");
        }
        job.Finish();
        yield return new JobProgress(1, "global directions are ready", Done: true);
    }

    sealed class Progress(Action<double> report) : IProgress<double> { public void Report(double value) => report(value); }

    /// <summary>One turn of a long job in the circuit's "jobs" lane (jobs never replace the circuit's previews).</summary>
    Task<T> TimeSlice<T>(JobLog.Job job, Func<CancellationToken, T> work, CancellationToken ct) => engineSession.JobTurnAsync(job, "jobs", work, ct);

    /// <summary>Engine thread: the start W+ [1,L,D], a session latent when one is named, else the seed's.</summary>
    Tensor Start(FaceEngine e, long seed, string? latent)
    {
        if (latent is not null) return session.Get(latent, e.Generator.Config.NLatent, e.Generator.Config.StyleDim);
        Inputs.Seed(seed);
        return e.SeedWPlus(seed, 0.7);
    }

    Task<EditFrame> Run(CancellationToken ct, Func<(byte[] Png, string Method, string Detail, int? Moved)> work) =>
        engineSession.RunAsync("edit", token =>
        {
            token.ThrowIfCancellationRequested();
            var sw = Stopwatch.StartNew();
            var (png, method, detail, moved) = work();
            return new EditFrame(png, method, detail, sw.Elapsed.TotalMilliseconds, moved);
        }, ct);
}
