// One object per loaded pack: it owns what the edit methods need (text–image space, StyleSpace statistics, fs3, mappers,
// sliders, principal directions, prior, encoder, identity, face detection) and runs every method from a request record
// to a result record. The app, the CLI, Compare, the edit check and the benchmarks all call it; none of them repeats a
// method's steps. Confined to the thread that opened it (the app's engine thread): a call from any other thread throws.
using TorchSharp;
using FaceWeb.Engine.FaceApi;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.Identity;
using FaceWeb.Engine.Inversion;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Editing;

/// <param name="Clip">an OpenAI CLIP checkpoint (with <paramref name="ClipVocab"/>) instead of the pack's FaceCLIP-mini.</param>
/// <param name="Identity">ArcFace IR-SE50 checkpoint or "faceapi"; null: face-api.js's recognition net when <paramref name="Faces"/> loads it.</param>
/// <param name="Templates">prompt ensembling for Δt: "faces" (default), "none" or a file.</param>
/// <param name="Faces">load face-api.js detection and landmarks (photo uploads) from <paramref name="FaceApi"/> or the restored npm package.</param>
public sealed record EditorOptions(string? Clip = null, string? ClipVocab = null, string? Identity = null, string? Templates = null,
    bool Faces = false, string? FaceApi = null);

public sealed class PackEditor : IDisposable
{
    readonly int owner = Environment.CurrentManagedThreadId;
    readonly ConcurrentDictionary<string, string> mapperFiles;
    readonly Dictionary<string, StyleClipMapper> mappers = [];
    readonly ConcurrentDictionary<string, AttributeDirection> sliders = new(StringComparer.Ordinal);
    readonly Dictionary<(string, string), Tensor> dtCache = [];
    readonly Dictionary<(string, double), (double Mean, double Std)> sliderStats = [];
    Tensor? captionPrompts;                                                                   // CaptionAttributes.Prompts, embedded once
    readonly string? priorFile;
    TextToWPrior? prior;
    string? ssaganFile;
    Generators.SsaGan.SsaGanModel? ssagan;
    PrincipalDirections? principal;
    bool ownsParts = true;

    public FaceEngine Engine { get; }
    public StyleGan2Generator Generator => Engine.Generator;
    public ITextImageSpace? Space { get; }
    /// <summary>Why text-driven methods are off (no text–image space), when they are.</summary>
    public string? SpaceMissing { get; }
    public IIdentityModel? Identity { get; }
    public IReadOnlyList<string> Templates { get; }
    public StyleSpaceStats? Stats { get; private set; }
    public Tensor? Fs3 { get; private set; }
    public PackEncoder? Encoder { get; }
    /// <summary>The pack's sketch → W+ encoder (role <c>sketch-encoder</c>), when it has one.</summary>
    public SketchEncoder? SketchEncoder { get; private set; }
    public FaceAligner? Aligner { get; }
    /// <summary>Why faces are not detected in uploads (face-api.js weights missing), when they are not.</summary>
    public string? AlignerOff { get; }
    /// <summary>Files of the pack that could not be used (e.g. a slider of another width), each with the reason.</summary>
    public IReadOnlyList<string> Problems { get; }

    public bool HasGlobalDirections => Space is not null && Stats is not null && Fs3 is not null;
    public bool HasPrior => Space is not null && priorFile is not null;
    /// <summary>Text → face by attributes can run: a text space and at least one of the W sliders it reads (male, age, smiling).</summary>
    public bool HasAttributeSliders => Space is not null && CaptionAttributes.Sliders.Any(n => sliders.TryGetValue(n, out var d) && IsWNormal(d));

    /// <summary>A slider text → face by attributes can set: one normal [1,D] in W.</summary>
    static bool IsWNormal(AttributeDirection d) => d.Space == LatentSpace.W && d.Normal.dim() == 2;
    /// <summary>The pack has an SSA-GAN (role <c>ssagan</c>) and the text–image space it was trained with (MiniLM's width).</summary>
    public bool HasSsaGan => Space is FaceClipSpace && ssaganFile is not null;
    public IReadOnlyList<string> MapperNames => mapperFiles.Keys.Order(StringComparer.Ordinal).ToList();
    /// <summary>The sliders (InterFaceGAN directions) by name; readable from any thread.</summary>
    public IReadOnlyDictionary<string, AttributeDirection> Sliders => sliders;

    PackEditor(FaceEngine engine, ITextImageSpace? space, string? spaceMissing, IIdentityModel? identity, IReadOnlyList<string> templates,
        StyleSpaceStats? stats, Tensor? fs3, IDictionary<string, string> mapperFiles, string? priorFile, PackEncoder? encoder,
        FaceAligner? aligner, string? alignerOff, List<string> problems)
    {
        (Engine, Space, SpaceMissing, Identity, Templates, Stats, Fs3, Encoder, Aligner, AlignerOff, Problems) =
            (engine, space, spaceMissing, identity, templates, stats, fs3, encoder, aligner, alignerOff, problems);
        this.mapperFiles = new(mapperFiles);
        this.priorFile = priorFile;
    }

    /// <summary>Everything the pack in <paramref name="packDir"/> (null: none, e.g. a bare checkpoint) and the files of
    /// <paramref name="extraRoles"/> (an overlay of files made later, which never replace the pack's) provide.</summary>
    public static PackEditor Open(FaceEngine engine, string? packDir, IReadOnlyDictionary<string, string>? extraRoles = null, EditorOptions? options = null)
    {
        var o = options ?? new EditorOptions();
        var g = engine.Generator;
        var problems = new List<string>();
        var device = engine.Device;                     // every part is read on the CPU, then moved to the generator's device
        var space = TextImageSpaces.Open(o.Clip, o.ClipVocab, packDir);
        space?.MoveTo(device);
        string? spaceMissing = space is not null ? null
            : "Text edits need a text–image space: this pack has no FaceCLIP-mini, so give a CLIP checkpoint and its vocabulary (--FaceWeb:Clip=ViT-B-32.pt --FaceWeb:ClipVocab=bpe_simple_vocab_16e6.txt.gz, or --clip/--vocab).";
        var roles = new Dictionary<string, string>(StringComparer.Ordinal);
        if (packDir is not null)
        {
            var pack = ModelPack.Load(packDir);
            foreach (var f in pack.Manifest.Files) roles[f.Role] = pack.PathOf(f.Role);
        }
        foreach (var (role, path) in extraRoles ?? new Dictionary<string, string>()) roles.TryAdd(role, path);

        StyleSpaceStats? stats = roles.TryGetValue(ModelPack.StatsRole, out var s) ? StyleSpaceStats.Load(s, g) : null;
        Tensor? fs3 = null;
        if (roles.TryGetValue(ModelPack.Fs3Role, out var f3))
        {
            using var sd = CheckpointReader.Load(f3);
            if (space is not null && sd["fs3"].shape[1] != space.EmbedDim)
                problems.Add($"fs3 was computed in another text–image space ({sd["fs3"].shape[1]} wide, this one is {space.EmbedDim}): precompute it again.");
            else fs3 = sd["fs3"].to(device).clone();
        }
        var mapperFiles = roles.Where(r => r.Key.StartsWith(ModelPack.MapperRole, StringComparison.Ordinal))
            .ToDictionary(r => r.Key[ModelPack.MapperRole.Length..], r => r.Value);
        roles.TryGetValue(ModelPack.PriorRole, out var priorFile);
        var encoder = roles.TryGetValue(ModelPack.EncoderRole, out var enc) ? PackEncoder.Load(enc) : null;
        encoder?.to(device);

        IIdentityModel? identity = o.Identity is null ? null : IdentityModels.Open(o.Identity);
        FaceAligner? aligner = null; string? alignerOff = null;
        if (o.Faces)
        {
            try
            {
                string dir = o.FaceApi ?? FaceApiModels.Directory();
                aligner = FaceAligner.Load(dir);
                identity ??= FaceApiIdentity.Load(dir);                  // λ_ID and the identity metric without an ArcFace file
                // Detection and landmarks stay on the CPU, where photos are decoded: they read boxes and points between
                // stages. The aligned face they cut out moves to the engine's device.
            }
            catch (Exception e) when (e is DirectoryNotFoundException or FileNotFoundException or CheckpointException)
            {
                alignerOff = $"Face detection is off ({e.Message}); the centre square of a photo is used as it is.";
                problems.Add(alignerOff);
            }
        }
        identity?.MoveTo(device);
        var editor = new PackEditor(engine, space, spaceMissing, identity, PromptTemplates.Resolve(o.Templates), stats, fs3, mapperFiles,
            priorFile, encoder, aligner, alignerOff, problems);
        foreach (var (role, path) in roles.Where(r => r.Key.StartsWith(ModelPack.BoundaryRole, StringComparison.Ordinal)))
            editor.LoadSlider(role[ModelPack.BoundaryRole.Length..], path);
        editor.ssaganFile = roles.GetValueOrDefault(ModelPack.SsaGanRole);
        if (roles.TryGetValue(ModelPack.SketchEncoderRole, out var sketchFile)) editor.SketchEncoder = SketchEncoder.Load(sketchFile).MoveTo(device);
        return editor;
    }

    /// <summary>An editor with nothing but the generator (what the app runs when the pack's extras cannot be read).</summary>
    public static PackEditor Bare(FaceEngine engine, string why) =>
        new(engine, null, why, null, PromptTemplates.Faces, null, null, new Dictionary<string, string>(), null, null, null, why, [why]);

    /// <summary>An editor over parts made elsewhere (benchmarks, tests): random or fixture weights instead of a pack. The
    /// parts stay their maker's: disposing the editor frees only what it made itself (caches, principal directions).</summary>
    public static PackEditor FromParts(FaceEngine engine, ITextImageSpace? space, StyleSpaceStats? stats = null, Tensor? fs3 = null,
        IReadOnlyDictionary<string, AttributeDirection>? sliders = null, IIdentityModel? identity = null, IReadOnlyList<string>? templates = null)
    {
        var editor = new PackEditor(engine, space, space is null ? "no text–image space" : null, identity, templates ?? PromptTemplates.Faces, stats, fs3,
            new Dictionary<string, string>(), null, null, null, null, []);
        foreach (var (name, d) in sliders ?? new Dictionary<string, AttributeDirection>()) editor.sliders[name] = d;
        editor.ownsParts = false;
        return editor;
    }

    /// <summary>A part loaded on first use, on the engine's device, owned by the editor: made in a dispose scope of its own
    /// and detached from it, so that whatever scope the caller has open (an eval loop, a batch) does not free its weights
    /// when it closes (the editor disposes them).</summary>
    T Keep<T>(Func<T> load) where T : nn.Module
    {
        using var scope = NewDisposeScope();
        var m = load();
        m.to(Engine.Device);
        foreach (var t in m.parameters()) t.DetachFromDisposeScope();
        foreach (var t in m.buffers()) t.DetachFromDisposeScope();
        return m;
    }

    void CheckThread()
    {
        if (Environment.CurrentManagedThreadId != owner)
            throw new InvalidOperationException("The pack editor runs on the engine thread only (the thread that opened it); go through the scheduler.");
    }

    // ---- starts -------------------------------------------------------------------------------------------------

    /// <summary>The W+ of a seed at truncation ψ. [1,L,D]</summary>
    public Tensor SeedStart(long seed, double truncation)
    {
        CheckThread();
        if (!double.IsFinite(truncation) || truncation is < 0 or > 2) throw new ArgumentException("ψ must be between 0 and 2");
        using var _ = no_grad();
        return Engine.SeedWPlus(seed, truncation);
    }

    /// <summary>Text → face starts: the pack's text→W prior sets the coarse rows (below TediGAN's split) and the seed's
    /// own W+ the fine rows. [1,L,D]</summary>
    public Tensor PriorStart(Tensor text, long seed, double truncation = 0.7)
    {
        CheckThread();
        if (priorFile is null || Space is null) throw new InvalidOperationException("This pack has no text → W prior (faceweb train prior).");
        prior ??= Keep(() => TextToWPrior.Load(priorFile));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        int split = TediGan.DefaultSplit(Generator.Config.NLatent);
        return cat([prior.WPlus(Generator, text.unsqueeze(0))[.., TensorIndex.Slice(0, split)],
            Engine.SeedWPlus(seed, truncation)[.., TensorIndex.Slice(split, null)]], 1).MoveToOuterDisposeScope();
    }

    /// <summary>Text → face by attributes (<see cref="CaptionAttributes"/>): the seed's W+ at ψ set to the side of each
    /// attribute the caption names along the pack's W sliders (the prior's start measured worse: ADR 0014); the attributes
    /// read come back too. [1,L,D]</summary>
    public (Tensor Start, List<CaptionAttribute> Said) AttributeStart(string caption, long seed, double truncation = 0.7)
    {
        CheckThread();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var said = ReadCaption(caption);
        var start = SetAttributes(SeedStart(seed, truncation), [.. said.Select(a => (a.Slider, a.Target))], truncation);
        foreach (var a in said)
            if (a.Mapper is { } mapper) start = Mapper(mapper).Edit(start, a.MapperStrength);         // W+ → W+
        return (start.MoveToOuterDisposeScope(), said);
    }

    /// <summary>What text → face by attributes reads in <paramref name="caption"/> (<see cref="CaptionAttributes.Read(Tensor, Tensor, IReadOnlySet{string})"/>)
    /// among the pack's W sliders, each read attribute's mapper resolved against the pack (none where it has none).</summary>
    public List<CaptionAttribute> ReadCaption(string caption)
    {
        CheckThread();
        var space = Space ?? throw new InvalidOperationException(SpaceMissing);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        captionPrompts ??= space.EmbedTexts(CaptionAttributes.Prompts).DetachFromDisposeScope();
        return [.. CaptionAttributes.Read(EmbedText(caption), captionPrompts, sliders.Values.Where(IsWNormal).Select(d => d.Name).ToHashSet())
            .Select(a => a.Mapper is null ? a : a with { Mapper = MapperFor(a.Mapper) })];        // the pack's mapper, or none
    }

    /// <summary>W+ latents [N,L,D] with each named W slider's projection set to μ + target·σ of the pack's samples at ψ
    /// (<see cref="CaptionAttributes.Apply"/>: one least-norm move for all of them).</summary>
    public Tensor SetAttributes(Tensor wplus, IReadOnlyList<(string Slider, double Target)> targets, double truncation)
    {
        CheckThread();
        var moves = targets.Select(a =>
        {
            var d = Slider(a.Slider);
            if (!IsWNormal(d)) throw new ArgumentException($"'{a.Slider}' is not a W-space slider");
            var (mean, std) = SliderStats(d, truncation);
            return (d.Normal, mean, std, a.Target);
        }).ToList();
        return CaptionAttributes.Apply(wplus, moves);
    }

    /// <summary>Mean and standard deviation of the projection on a W slider's normal of 2 000 of the pack's samples at ψ (cached).</summary>
    (double Mean, double Std) SliderStats(AttributeDirection slider, double truncation)
    {
        if (sliderStats.TryGetValue((slider.Name, truncation), out var st)) return st;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var z = EngineDevice.SeededNormal([2000, Generator.Config.StyleDim], new Generator(20261205), Engine.Device);
        var p = Generator.WPlusFromZ(z, truncation)[.., 0].matmul(slider.Normal.view(-1, 1)).to(float64);   // [2000,1]
        return sliderStats[(slider.Name, truncation)] = (p.mean().item<double>(), p.std().item<double>());
    }

    /// <summary>Text → [E] (one prompt, no ensembling), as optimisation and the text scores use it.</summary>
    public Tensor EmbedText(string text)
    {
        CheckThread();
        var space = Space ?? throw new InvalidOperationException(SpaceMissing);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return space.EmbedTexts([text.Trim()])[0].MoveToOuterDisposeScope();
    }

    // ---- one-pass methods -----------------------------------------------------------------------------------------

    /// <summary>Runs a one-pass method on W+ <paramref name="start"/> [N,L,D] (N ≥ 1). Optimisations go through <see cref="Optimise"/>.</summary>
    public EditResult Apply(Tensor start, EditRequest request) => ApplyAll([(start, request)])[0];

    /// <summary>Several one-pass edits (of several clients) in one batched synthesis: each start [N,L,D] with its request;
    /// one result each, in order, equal to <see cref="Apply"/>'s to float rounding. The batch's time is each one's time.
    /// With <paramref name="preview"/>, progressive previews from that block (<see cref="StyleGan2Generator.PreviewStyles"/>).</summary>
    public IReadOnlyList<EditResult> ApplyAll(IReadOnlyList<(Tensor Start, EditRequest Request)> edits, int? preview = null)
    {
        CheckThread();
        var sw = Stopwatch.StartNew();
        // What a method loads on first use is loaded before the scope, so the scope does not take it.
        foreach (var (_, request) in edits)
        {
            if (request is MapperEdit m) Mapper(m.Mapper);
            if (request is PrincipalEdit) _ = Principal;
        }
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var g = Generator;
        var prepared = edits.Select(e => Prepare(e.Start, e.Request)).ToList();
        // Style codes: W+ edits' in one pass over all their latents; a global direction brings its own (edited) codes.
        IReadOnlyList<Tensor> styles;
        if (prepared.All(p => p.Styles is null)) styles = g.Styles(cat(prepared.Select(p => p.Latent!).ToList(), 0));
        else
        {
            var each = prepared.Select(p => p.Styles ?? g.Styles(p.Latent!)).ToList();               // once per edit
            styles = Enumerable.Range(0, g.Layers.Count).Select(l => cat(each.Select(e => e[l]).ToList(), 0)).ToList();
        }
        var images = preview is int block ? g.PreviewStyles(styles, block) : g.SynthesizeStyles(styles);  // [ΣN,3,H,W]
        double ms = sw.Elapsed.TotalMilliseconds;
        var results = new List<EditResult>();
        long row = 0;
        for (int i = 0; i < edits.Count; i++)
        {
            long n = edits[i].Start.shape[0];                                                          // a start may hold several rows
            var image = edits.Count == 1 ? images : images.narrow(0, row, n).clone();
            results.Add(new EditResult(edits[i].Request.Method, image.MoveToOuterDisposeScope(), prepared[i].Detail, ms,
                prepared[i].Latent?.MoveToOuterDisposeScope(), prepared[i].ChannelsMoved));
            row += n;
        }
        return results;
    }

    /// <summary>One edit up to what is synthesised: the edited W+ when the method has one, else its edited style codes.</summary>
    (Tensor? Latent, IReadOnlyList<Tensor>? Styles, string Detail, int? ChannelsMoved) Prepare(Tensor start, EditRequest request)
    {
        switch (request)
        {
            case GlobalDirectionEdit r:
                var (styles, detail, moved) = Global(start, r);
                return (null, styles, detail, moved);
            case OptimiseEdit:
                throw new ArgumentException("optimisations stream their frames: call Optimise");
        }
        var (latent, text) = request switch
        {
            MapperEdit r => (Mapper(r.Mapper).Edit(start, Finite(r.Strength, "strength")), $"strength {F(r.Strength, "0.00")}"),
            SliderEdit r => (Slide(start, r), SliderDetail(r)),
            PrincipalEdit r => (Principal.Move(start, r.Component, r.Alpha, r.Layers),
                $"direction {r.Component} ({EngineDevice.Read(Principal.Explained[r.Component]).ToString("P1", CultureInfo.InvariantCulture)} of W's variance), α {F(r.Alpha, "+0.0;-0.0")}σ"
                + (r.Layers != LayerGroups.All ? $" on {r.Layers.ToString().ToLowerInvariant()} layers" : "")),
            _ => throw new ArgumentException($"unknown request {request.GetType().Name}"),
        };
        return (latent, null, text, null);
    }

    /// <summary>The unedited image of a start, as a result (Compare's source cell, the Edit page's start).</summary>
    public EditResult Render(Tensor start, string detail = "")
    {
        CheckThread();
        var sw = Stopwatch.StartNew();
        using var _ = no_grad();
        return new EditResult(EditMethod.Source, Generator.Synthesize(start), detail, sw.Elapsed.TotalMilliseconds, start.clone());
    }

    (IReadOnlyList<Tensor> Styles, string Detail, int Moved) Global(Tensor start, GlobalDirectionEdit r)
    {
        if (!HasGlobalDirections) throw new InvalidOperationException(Space is null ? SpaceMissing
            : "Global directions are not available for this pack (precompute stylespace and fs3).");
        Finite(r.Alpha, "α");
        var g = Generator;
        var layers = Fs3Job.ManipulableLayers(g);
        var (delta, moved) = GlobalDirections.Boundary(Fs3!, Dt(r.Neutral, r.Target), r.Beta, layers.Select(l => Stats!.Std[l.Index]).ToList());
        return (StyleEdits.Apply(g.Styles(start), layers, delta, r.Alpha), $"α {F(r.Alpha, "0.0")}, β {F(r.Beta, "0.00")}: moves {moved} channels", moved);
    }

    /// <summary>Δt of a prompt pair over the pack's templates (CLIP's prompt ensembling, as StyleCLIP's GetDt); cached. [E]</summary>
    public Tensor Dt(string neutral, string target)
    {
        CheckThread();
        var space = Space ?? throw new InvalidOperationException(SpaceMissing);
        var key = (neutral.Trim(), target.Trim());
        if (key.Item2 == "") throw new ArgumentException("a target prompt is needed");
        if (!dtCache.TryGetValue(key, out var dt))
        {
            if (dtCache.Count >= 256) { foreach (var t in dtCache.Values) t.Dispose(); dtCache.Clear(); }
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            dt = nn.functional.normalize(space.EmbedEnsemble(key.Item2, Templates) - space.EmbedEnsemble(key.Item1, Templates), dim: 0);
            dtCache[key] = dt = dt.DetachFromDisposeScope();
        }
        return dt;
    }

    Tensor Slide(Tensor start, SliderEdit r)
    {
        var moves = r.Moves.Select(m => (Slider(m.Attribute), m.Alpha)).ToList();
        var keep = (r.KeepFixed ?? []).Select(Slider).ToList();
        return r.Seed is long seed
            ? InterFaceGan.Sliders(Generator, Engine.SeedLatent(seed), r.Truncation, moves, keep, r.Layers)
            : InterFaceGan.Sliders(Generator, start, moves, keep, r.Layers);
    }

    static string SliderDetail(SliderEdit r) =>
        (r.Moves.All(m => m.Alpha == 0) ? "no slider moved" : string.Join(", ", r.Moves.Where(m => m.Alpha != 0).Select(m => $"{m.Attribute} {F(m.Alpha, "+0.0;-0.0")}")))
        + (r.KeepFixed is { Count: > 0 } k ? $" (keeping {string.Join(", ", k)})" : "")
        + (r.Layers != LayerGroups.All ? $" on {r.Layers.ToString().ToLowerInvariant()} layers" : "");

    // ---- optimisations ----------------------------------------------------------------------------------------------

    /// <summary>StyleCLIP latent optimisation (or TediGAN's fine-row optimisation) from W+ <paramref name="start"/> [1,L,D]:
    /// null after each step without a frame (so a scheduler can serve others between steps), a result with the image
    /// and latent on frame steps; the last result is the final step's.</summary>
    public IEnumerable<EditResult?> Optimise(Tensor start, OptimiseEdit r, CancellationToken ct = default)
    {
        CheckThread();
        var space = Space ?? throw new InvalidOperationException(SpaceMissing);
        if (r.IdLambda > 0 && Identity is null) throw new ArgumentException("λ ID needs an identity model (an ArcFace checkpoint or face-api.js).");
        if (r.Frames < 1) throw new ArgumentException("at least one frame");
        var text = EmbedText(r.Target);
        var sw = Stopwatch.StartNew();
        int every = Math.Max(1, r.Steps / r.Frames);
        try
        {
            if (r.FineRowsOnly)
            {
                using var blank = zeros(1, 1, Generator.Config.Size, Generator.Config.Size, device: Engine.Device);
                foreach (var f in TediGan.SketchToFace(Generator, blank, space, text, start,
                    new SketchOptions(r.Steps, SketchLambda: 0, FrameEvery: every, L2Lambda: r.L2Lambda), ct))
                    yield return f.Image is null ? null : Frame(f.Image, f.Latent, f.Step, f.TextLoss,
                        $"step {f.Step}/{r.Steps}, rows {TediGan.DefaultSplit(Generator.Config.NLatent)}+, text loss {F(f.TextLoss, "0.000")}");
            }
            else
            {
                foreach (var f in LatentOptimizer.Run(Generator, space, start, text, new OptimizationOptions(r.Steps, L2Lambda: r.L2Lambda,
                    FrameEvery: every, IdLambda: r.IdLambda, DomainLambda: r.DomainLambda, Views: r.Views, SharedOffset: r.SharedOffset), ct, Identity, r.Region, r.Encoder))
                    yield return f.Image is null ? null : Frame(f.Image, f.Latent, f.Step, f.ClipLoss,
                        $"step {f.Step}/{r.Steps}, CLIP loss {F(f.ClipLoss, "0.000")}" + (r.IdLambda > 0 ? $", ID loss {F(f.IdLoss, "0.000")}" : "")
                        + r.GuidanceDetail);
            }
        }
        finally { text.Dispose(); }

        EditResult Frame(Tensor image, Tensor? latent, int step, double loss, string detail)
        {
            var result = new EditResult(r.Method, image, detail, sw.Elapsed.TotalMilliseconds, latent, null, (double)step / r.Steps, loss);
            sw.Restart();
            return result;
        }
    }

    /// <summary>StyleCLIP's latent optimisation as the Edit page, Compare and <c>faceweb edit optimise</c> run it: the paper's
    /// CLIP and λ_L2 losses (and λ_ID), guided by default as text → face is (ADR 0017) when there is an encoder: one offset
    /// in W moved for every row and TediGAN's in-domain regulariser λ <see cref="EditDomain"/> with <paramref name="encoder"/>
    /// (by default the pack's). <paramref name="domain"/> 0 is the paper's plain optimisation of every W+ row, which is
    /// also what a pack without an encoder runs.</summary>
    public OptimiseEdit EditOptimisation(string target, int steps, double l2 = 0.008, double idLambda = 0, int frames = 4, Tensor? region = null,
        double? domain = null, IWPlusEncoder? encoder = null)
    {
        encoder ??= Encoder;
        double inDomain = domain ?? (encoder is null ? 0 : EditDomain);
        if (inDomain > 0 && encoder is null) throw new ArgumentException("The in-domain regulariser needs an encoder: the pack's (faceweb train encoder) or an e4e checkpoint.");
        return inDomain > 0
            ? new OptimiseEdit(target, steps, l2, idLambda, inDomain, frames, region, encoder, SharedOffset: true)
            : new OptimiseEdit(target, steps, l2, idLambda, Frames: frames, Region: region);
    }

    /// <summary>λ of the in-domain regulariser in <see cref="EditOptimisation"/> (ADR 0017: of 40 faces edited towards a smile
    /// and old age, 97.5 % and 100 % are found as a face, against 90 % and 92.5 % for the paper's plain optimisation).</summary>
    public const double EditDomain = 2;

    /// <summary>Text → face for one seed: the start (<see cref="TextToFaceMethod"/>), shown first when it is the prior's or
    /// when there are no steps, then <paramref name="steps"/> of CLIP-guided optimisation (frames as <see cref="Optimise"/>;
    /// λ_L2 keeps the prior's start, none for the best random start; λ <paramref name="domain"/> &gt; 0 adds TediGAN's
    /// in-domain regulariser with the pack's encoder, by default <see cref="TextToFaceDomain"/> for the optimisation from
    /// random starts when the pack has an encoder).</summary>
    public IEnumerable<EditResult?> TextToFace(string caption, long seed, TextToFaceMethod method, int steps, double truncation = 0.7,
        int starts = 8, int frames = 10, int views = TextToFaceViews, bool? shared = null, double? l2 = null, double? domain = null, CancellationToken ct = default)
    {
        CheckThread();
        var space = Space ?? throw new InvalidOperationException(SpaceMissing);
        if (steps < 0) throw new ArgumentException("steps must be ≥ 0");
        if (domain > 0 && Encoder is null) throw new InvalidOperationException("The in-domain regulariser needs the pack's encoder (faceweb train encoder).");
        double inDomain = domain ?? (method == TextToFaceMethod.Optimise && Encoder is not null ? TextToFaceDomain : 0);
        if (method == TextToFaceMethod.SsaGan)
        {
            yield return SsaGanFace(caption, seed);
            yield break;
        }
        Tensor start;
        string detail;
        if (method == TextToFaceMethod.Attributes)
        {
            if (!HasAttributeSliders) throw new InvalidOperationException("This pack has no male, age or smiling slider in W for text → face by attributes (faceweb precompute boundaries).");
            (start, var said) = AttributeStart(caption, seed, truncation);
            detail = said.Count == 0 ? "no gender, age or smile read from the caption" : "read: " + string.Join(", ", said.Select(a =>
                $"{a.Slider} {F(a.Target, "+0.0;-0.0")}σ" + (a.Mapper is null ? "" : $" + mapper \"{a.Mapper}\" ×{F(a.MapperStrength, "0.0")}")));
        }
        else
        {
            using (no_grad())
            using (var text = EmbedText(caption))
                start = method == TextToFaceMethod.Prior ? PriorStart(text, seed, truncation) : TediGan.BestStart(Generator, space, text, starts, seed, truncation);
            detail = method == TextToFaceMethod.Prior ? "prior" : $"best of {starts} starts";
        }
        bool fromPriorOrAttributes = method is TextToFaceMethod.Prior or TextToFaceMethod.Attributes;
        try
        {
            if (fromPriorOrAttributes || steps == 0)
                yield return Render(start, detail) with { Progress = steps == 0 ? 1 : 0 };
            if (steps == 0) yield break;
            var edit = new OptimiseEdit(caption, steps, L2Lambda: l2 ?? (fromPriorOrAttributes ? 0.008 : 0), DomainLambda: inDomain, Frames: frames,
                Encoder: inDomain > 0 ? Encoder : null, Views: views, SharedOffset: shared ?? (method is TextToFaceMethod.Optimise or TextToFaceMethod.Attributes && TextToFaceSharedOffset));
            foreach (var f in Optimise(start, edit, ct)) yield return f;
        }
        finally { start.Dispose(); }
    }

    /// <summary>λ of TediGAN's in-domain regulariser (the pack's encoder) in text → face's optimisation from random starts
    /// (ADR 0011, second addendum: the face is found far more often at the same gender agreement; its last addendum:
    /// 2 → 6 on the views tower, found 90 → 99 % and 93 → 99 % on two seed sets).</summary>
    public const double TextToFaceDomain = 6;

    /// <summary>Random views per step of text → face's optimisation (<see cref="OptimizationOptions.Views"/>; 0 = the image as it is).</summary>
    public const int TextToFaceViews = 0;

    /// <summary>Whether text → face's optimisation moves one offset in W for all rows (<see cref="OptimizationOptions.SharedOffset"/>).</summary>
    public const bool TextToFaceSharedOffset = true;   // ADR 0011: a face twice as often as free rows, same gender agreement

    /// <summary>SSA-GAN text → face: one pass of the pack's SSA-GAN for a caption and a seed; the result carries the last
    /// stage's fusion mask (where the text acted) and no latent (it is not a StyleGAN image).</summary>
    public EditResult SsaGanFace(string caption, long seed)
    {
        CheckThread();
        var space = Space ?? throw new InvalidOperationException(SpaceMissing);
        if (!HasSsaGan) throw new InvalidOperationException("This pack has no SSA-GAN (faceweb train ssagan), or its text–image space is not the one it was trained with.");
        ssagan ??= Keep(() => Generators.SsaGan.SsaGanModel.Load(ssaganFile!));
        var sw = Stopwatch.StartNew();
        using var output = ssagan.Generate(space, [caption.Trim()], [seed]);
        return new EditResult(EditMethod.Source, output.Image.clone(), "SSA-GAN, one pass", sw.Elapsed.TotalMilliseconds, Mask: output.TextMask());
    }

    /// <summary>Sketch → face (TediGAN's visual side): with the pack's sketch encoder, its W+ first (one pass; the rows
    /// from the split taken from <paramref name="restSeed"/>'s face when given), then <paramref name="steps"/> of
    /// refinement in which the coarse rows follow the drawing's edges and the fine rows the caption (when given); without
    /// an encoder, the same refinement from the seed's face. Every frame says how far its lines lie from the drawing
    /// (<see cref="FaceSketch.Chamfer"/>, px). <paramref name="sketch"/>: [1,1,h,w] or [h,w], 1 = paper; refused with
    /// the reason when there is nothing to follow (<see cref="FaceSketch.Check"/>).</summary>
    /// <param name="encoder">false: start from the seed's face even when the pack has an encoder (the method before it).</param>
    public IEnumerable<EditResult?> SketchToFace(Tensor sketch, string? caption, long? restSeed, int steps, double truncation = 0.7,
        int frames = 10, bool encoder = true, CancellationToken ct = default)
    {
        CheckThread();
        FaceSketch.Check(sketch);
        if (steps < 0) throw new ArgumentException("steps must be ≥ 0");
        if (caption is not null && Space is null) throw new InvalidOperationException(SpaceMissing);
        var sketchEncoder = encoder ? SketchEncoder : null;
        if (sketchEncoder is null && steps == 0)
            throw new ArgumentException(encoder ? "This pack has no sketch encoder (faceweb train sketch-encoder): give at least one refinement step." : "Give at least one step.");
        var g = Generator;
        int size = g.Config.Size, split = TediGan.DefaultSplit(g.Config.NLatent);
        var drawing = sketch.dim() == 2 ? sketch.view(1, 1, sketch.shape[0], sketch.shape[1]) : sketch;
        Tensor start, target;
        Tensor? text = null;
        var sw = Stopwatch.StartNew();
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            drawing = FaceSketch.Resize(drawing.cpu(), size).MoveToOuterDisposeScope();
            target = TediGan.SketchTarget(drawing, size).MoveToOuterDisposeScope();
            if (sketchEncoder is null) start = SeedStart(restSeed ?? 0, truncation);
            else
            {
                var encoded = sketchEncoder.Encode(drawing.to(Engine.Device));
                start = restSeed is { } s ? cat([encoded[.., ..split], SeedStart(s, truncation)[.., split..]], 1) : encoded;
            }
            start = start.MoveToOuterDisposeScope();
            if (caption is not null) text = EmbedText(caption).MoveToOuterDisposeScope();
        }
        try
        {
            string Lines(Tensor image) => $"lines {F(FaceSketch.Follows(drawing, image), "0.0")} px from the drawing";
            if (sketchEncoder is not null)
            {
                var first = Render(start);
                yield return first with { Detail = $"sketch encoder, one pass: {Lines(first.Image)}", Milliseconds = sw.Elapsed.TotalMilliseconds, Progress = steps == 0 ? 1 : 0 };
            }
            if (steps == 0) yield break;
            var options = new SketchOptions(steps, FrameEvery: Math.Max(1, steps / frames));
            sw.Restart();
            foreach (var f in TediGan.SketchToFace(g, target, text is null ? null : Space, text, start, options, ct))
            {
                if (f.Image is null) { yield return null; continue; }
                string detail = $"step {f.Step}/{steps}, sketch loss {F(f.SketchLoss, "0.000")}" + (text is null ? "" : $", text loss {F(f.TextLoss, "0.000")}") + $"; {Lines(f.Image)}";
                yield return new EditResult(EditMethod.TediGan, f.Image, detail, sw.Elapsed.TotalMilliseconds, f.Latent, null, (double)f.Step / steps, f.SketchLoss);
                sw.Restart();
            }
        }
        finally { start.Dispose(); target.Dispose(); drawing.Dispose(); text?.Dispose(); }
    }

    /// <summary>The sketch of a face image [1,3,S,S] (what "Sketch this face" puts on the canvas). [1,1,S,S], 1 = paper</summary>
    public Tensor SketchOf(Tensor image)
    {
        if (image.dim() != 4 || image.shape[0] != 1 || image.shape[1] != 3) throw new ArgumentException("one RGB image [1,3,S,S]");
        return FaceSketch.Render(image);
    }

    // ---- assets -------------------------------------------------------------------------------------------------------

    /// <summary>A mapper of the pack by its text (loaded on first use).</summary>
    public StyleClipMapper Mapper(string name)
    {
        CheckThread();
        if (!mappers.TryGetValue(name, out var m))
        {
            if (!mapperFiles.TryGetValue(name, out var file)) throw new ArgumentException($"No mapper named '{name}' in this pack.");
            mappers[name] = m = Keep(() => StyleClipMapper.Load(file));
        }
        return m;
    }

    /// <summary>The mapper trained for this text, if any (case and outer spaces ignored).</summary>
    public string? MapperFor(string text) =>
        mapperFiles.Keys.FirstOrDefault(k => string.Equals(k.Trim(), text.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>A mapper saved after start-up (trained in the app): replaces one of the same text.</summary>
    public void AddMapper(string name, string file)
    {
        CheckThread();
        if (mappers.Remove(name, out var old)) old.Dispose();
        mapperFiles[name] = file;
    }

    public AttributeDirection Slider(string name) => sliders.TryGetValue(name, out var d) ? d
        : throw new ArgumentException($"This pack has no slider named '{name}' (no {ModelPack.BoundaryRole}{name} file).");

    /// <summary>The first W-space slider whose name the text mentions (Compare's InterFaceGAN cell), or null.</summary>
    public AttributeDirection? SliderMentionedIn(string text) =>
        sliders.Values.OrderBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(s => s.Space == LatentSpace.W && text.Contains(s.Name, StringComparison.OrdinalIgnoreCase));

    /// <summary>A slider learned after start-up.</summary>
    public void AddSlider(AttributeDirection direction)
    {
        sliders[direction.Name] = direction;
        foreach (var key in sliderStats.Keys.Where(k => k.Item1 == direction.Name).ToList()) sliderStats.Remove(key);
    }

    /// <summary>A boundary file that fits this generator becomes a slider; one that does not becomes a problem.</summary>
    void LoadSlider(string name, string path)
    {
        var c = Generator.Config;
        try
        {
            var d = BoundaryTrainer.LoadDirection(name, path);
            var read = d.Normal;
            d = d with { Normal = read.to(Engine.Device).clone() };
            read.Dispose();
            long width = d.Normal.shape[^1];
            if (width != c.StyleDim || (d.Normal.dim() == 3 && d.Normal.shape[1] != c.NLatent) || d.Normal.dim() is < 2 or > 3)
            {
                ((List<string>)Problems).Add($"Slider '{name}' was skipped: its direction is [{string.Join(",", d.Normal.shape)}], this generator's latents are {c.StyleDim} wide.");
                d.Normal.Dispose();
                return;
            }
            sliders[name] = d;
        }
        catch (CheckpointException e) { ((List<string>)Problems).Add($"Slider '{name}' was skipped: {e.Message}"); }
    }

    /// <summary>How many GANSpace directions a pack offers.</summary>
    public const int PrincipalDirectionCount = 20;

    /// <summary>GANSpace's principal directions of this generator's W (10 000 samples), computed on first use.</summary>
    public PrincipalDirections Principal
    {
        get
        {
            CheckThread();
            return principal ??= PrincipalDirections.Compute(Generator, components: PrincipalDirectionCount);
        }
    }

    /// <summary>GANSpace for a text (Compare's cell): of the first <paramref name="candidates"/> principal directions, both
    /// ways at |α| standard deviations, the move whose image is closest to <paramref name="text"/> [E] in the text–image space.
    /// The directions are discovered without labels; the text only picks one.</summary>
    public PrincipalEdit DiscoverFor(Tensor start, Tensor text, double alpha, int candidates = 10)
    {
        CheckThread();
        var space = Space ?? throw new InvalidOperationException(SpaceMissing);
        var p = Principal;
        var moves = Enumerable.Range(0, Math.Min(candidates, p.Count)).SelectMany(k => new[] { (k, Math.Abs(alpha)), (k, -Math.Abs(alpha)) }).ToList();
        var losses = new List<float>();
        using var _ = no_grad();
        foreach (var chunk in moves.Chunk(8))
        {
            using var scope = NewDisposeScope();
            var w = cat(chunk.Select(m => p.Move(start, m.Item1, m.Item2)).ToArray(), 0);          // [n,L,D]
            losses.AddRange(EngineDevice.ReadAll(space.ClipLoss(Generator.Synthesize(w), text)));
        }
        var best = moves[losses.IndexOf(losses.Min())];
        return new PrincipalEdit(best.Item1, best.Item2);
    }

    /// <summary>Statistics and fs3 computed after start-up (the app's precompute job).</summary>
    public void SetGlobalDirections(StyleSpaceStats? stats, Tensor? fs3)
    {
        CheckThread();
        if (stats is not null) Stats = stats;
        if (fs3 is not null) Fs3 = fs3;
    }

    static double Finite(double v, string what) => double.IsFinite(v) ? v : throw new ArgumentException($"{what} must be a finite number");
    static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    public void Dispose()
    {
        foreach (var m in mappers.Values) m.Dispose();
        foreach (var t in dtCache.Values) t.Dispose();
        captionPrompts?.Dispose();
        principal?.Dispose(); prior?.Dispose(); ssagan?.Dispose();
        if (!ownsParts) return;
        foreach (var d in sliders.Values) d.Normal.Dispose();
        Stats?.Dispose(); Fs3?.Dispose(); Encoder?.Dispose(); SketchEncoder?.Dispose(); Aligner?.Dispose();
        Space?.Dispose(); Identity?.Dispose();
    }
}
