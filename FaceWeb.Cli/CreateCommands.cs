using System.ComponentModel;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using FaceWeb.Engine;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Evaluation;
using FaceWeb.Engine.Generators;
using FaceWeb.Engine.Identity;
using FaceWeb.Engine.TextImage;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FaceWeb.Cli;

/// <summary>faceweb text2face --pack DIR $C --text "…" --method opt|prior --seeds 0-3 --out DIR</summary>
public sealed class Text2FaceCommand : Command<Text2FaceCommand.Settings>
{
    public sealed class Settings : EditSettings
    {
        [CommandOption("--text <TEXT>")] public string Text { get; init; } = "";
        [CommandOption("--method <M>"), Description("opt (CLIP-guided optimisation from the best start) or prior (the pack's text→W prior)"), DefaultValue("opt")]
        public string Method { get; init; } = "opt";
        [CommandOption("--seeds <SEEDS>"), DefaultValue("0-3")] public string Seeds { get; init; } = "0-3";
        [CommandOption("--steps <N>"), Description("opt: optimisation steps; prior: refinement steps (0 = none)"), DefaultValue(-1)] public int Steps { get; init; } = -1;
        [CommandOption("--starts <K>"), Description("opt: random starts tried per seed, best kept"), DefaultValue(8)] public int Starts { get; init; } = 8;

        public override Spectre.Console.ValidationResult Validate() =>
            Text.Trim() == "" ? Spectre.Console.ValidationResult.Error("--text is required")
            : Method is not ("opt" or "prior") ? Spectre.Console.ValidationResult.Error("--method must be opt or prior")
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        using var engine = s.OpenEngine();
        using var space = s.OpenSpace();
        var g = engine.Generator;
        var seeds = CliApp.ParseSeeds(s.Seeds);
        int steps = s.Steps >= 0 ? s.Steps : s.Method == "opt" ? 200 : 0;
        var text = space.EmbedTexts([s.Text])[0];
        TextToWPrior? prior = null;
        if (s.Method == "prior")
        {
            if (s.Pack is null) throw new ArgumentException("--method prior needs a pack with a trained prior (faceweb train prior)");
            prior = TextToWPrior.Load(ModelPack.Load(s.Pack).PathOf(ModelPack.PriorRole));
        }
        var images = new List<Tensor>(); var names = new List<string>();
        var scores = new List<double>();
        CliApp.Progress($"text → face ({s.Method}) for {seeds.Count} seeds", seeds.Count, tick =>
        {
            foreach (var seed in seeds)
            {
                Tensor start;
                using (no_grad())
                {
                    if (prior is null) start = TediGan.BestStart(g, space, text, s.Starts, seed, s.Truncation);
                    else
                    {
                        // Diversity: the prior's W on the coarse rows, the seed's own latent on the rest ("randomise the rest").
                        int split = TediGan.DefaultSplit(g.Config.NLatent);
                        var own = engine.SeedWPlus(seed, s.Truncation);
                        start = cat([prior.WPlus(g, text.unsqueeze(0))[.., TensorIndex.Slice(0, split)], own[.., TensorIndex.Slice(split, null)]], 1);
                    }
                }
                Tensor image;
                if (steps > 0)
                {
                    var last = LatentOptimizer.Run(g, space, start, text, new OptimizationOptions(steps, L2Lambda: prior is null ? 0 : 0.008, FrameEvery: steps), ct).Last();
                    last.Latent?.Dispose();
                    image = last.Image!;
                }
                else using (no_grad()) image = g.Synthesize(start);
                using (no_grad()) scores.Add(1 - space.ClipLoss(image, text).item<float>());
                images.Add(image); names.Add($"seed{seed:D4}");
                tick();
            }
        });
        EditSettings.WriteStrip(s.Out, images, names);
        Console.WriteLine(JsonSerializer.Serialize(new { text = s.Text, method = s.Method, steps, seeds, text_score = scores }));
        foreach (var t in images) t.Dispose();
        prior?.Dispose();
        return 0;
    }
}

/// <summary>faceweb sketch2face --pack DIR --sketch PNG [--text "…" $C] --out DIR</summary>
public sealed class Sketch2FaceCommand : Command<Sketch2FaceCommand.Settings>
{
    public sealed class Settings : EditSettings
    {
        [CommandOption("--sketch <PNG>"), Description("dark strokes on a white (or transparent) background")] public string Sketch { get; init; } = "";
        [CommandOption("--text <TEXT>"), Description("a caption for the fine rows (needs --clip and --vocab)")] public string? Text { get; init; }
        [CommandOption("--steps <N>"), DefaultValue(200)] public int Steps { get; init; } = 200;
        [CommandOption("--split <ROW>"), Description("first W+ row the caption controls (default: half the rows, at most 8)"), DefaultValue(-1)] public int Split { get; init; } = -1;

        public override Spectre.Console.ValidationResult Validate() =>
            Sketch == "" ? Spectre.Console.ValidationResult.Error("--sketch is required") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        if (!File.Exists(s.Sketch)) throw new ArgumentException($"--sketch {s.Sketch}: file not found");
        using var engine = s.OpenEngine();
        var g = engine.Generator;
        using var sketch = ImageTensors.LoadGrey(File.ReadAllBytes(s.Sketch));
        using var target = TediGan.SketchTarget(sketch, g.Config.Size);
        using var space = s.Text is null ? null : s.OpenSpace();
        var text = space?.EmbedTexts([s.Text!])[0];
        using var start = s.StartLatent(engine);
        var images = new List<Tensor>(); var names = new List<string>();
        var options = new SketchOptions(s.Steps, SplitRow: s.Split, FrameEvery: Math.Max(1, s.Steps / 4));
        SketchFrame? last = null;
        CliApp.Progress($"sketch → face, {s.Steps} steps", s.Steps, tick =>
        {
            foreach (var f in TediGan.SketchToFace(g, target, space, text, start, options, ct))
            {
                tick();
                last = f;
                if (f.Image is not null) { images.Add(f.Image); names.Add($"step{f.Step:D4}"); f.Latent?.Dispose(); }
            }
        });
        EditSettings.WriteStrip(s.Out, images, names);
        string textPart = text is null ? "" : FormattableString.Invariant($", text loss {last!.TextLoss:F4}");
        Console.WriteLine(FormattableString.Invariant($"sketch loss {last!.SketchLoss:F4}{textPart}; wrote {images.Count} images to {s.Out}"));
        foreach (var t in images) t.Dispose();
        return 0;
    }
}

/// <summary>faceweb compare --pack DIR $C --seed S --neutral "face" --target "smiling face" --out grid.png: every
/// applicable method side by side; prints the metric table as JSON.</summary>
public sealed class CompareCommand : Command<CompareCommand.Settings>
{
    public sealed class Settings : EditSettings
    {
        [CommandOption("--neutral <TEXT>"), DefaultValue("a face")] public string Neutral { get; init; } = "a face";
        [CommandOption("--target <TEXT>"), Description("one or more targets; each gets a row")] public string[] Targets { get; init; } = [];
        [CommandOption("--seeds <SEEDS>"), Description("several seeds (overrides --seed)")] public string? Seeds { get; init; }
        [CommandOption("--steps <N>"), DefaultValue(60)] public int Steps { get; init; } = 60;
        [CommandOption("--identity <CKPT>"), Description("ArcFace IR-SE50 for the identity column")] public string? Identity { get; init; }

        public override Spectre.Console.ValidationResult Validate() =>
            Targets.Length == 0 || Targets.Any(t => t.Trim() == "") ? Spectre.Console.ValidationResult.Error("--target is required") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        using var engine = s.OpenEngine();
        using var space = s.OpenSpace();
        using var identity = s.Identity is null ? null : IdentityModels.Open(s.Identity);
        var g = engine.Generator;
        StyleSpaceStats? stats = null; Tensor? fs3 = null;
        var mappers = new Dictionary<string, StyleClipMapper>(); var sliders = new Dictionary<string, AttributeDirection>();
        if (s.Pack is not null)
        {
            var pack = ModelPack.Load(s.Pack);
            var roles = pack.Manifest.Files.Select(f => f.Role).ToHashSet();
            if (roles.Contains("stylespace-stats") && roles.Contains("fs3"))
            {
                stats = StyleSpaceStats.Load(pack.PathOf("stylespace-stats"), g);
                using var sd = CheckpointReader.Load(pack.PathOf("fs3"));
                fs3 = sd["fs3"].shape[1] == space.EmbedDim ? sd["fs3"].clone() : null;
            }
            foreach (var r in roles.Where(r => r.StartsWith("mapper:", StringComparison.Ordinal))) mappers[r["mapper:".Length..]] = StyleClipMapper.Load(pack.PathOf(r));
            foreach (var (name, path) in pack.Boundaries()) sliders[name] = BoundaryTrainer.LoadDirection(name, path);
        }
        var assets = new CompareAssets(g, space, identity, stats, fs3, mappers, sliders);
        var seeds = s.Seeds is null ? [s.Seed] : CliApp.ParseSeeds(s.Seeds);
        var images = new List<Tensor>(); var captions = new List<IReadOnlyList<string>>(); var table = new List<object>();
        int columns = 0;
        CliApp.Progress($"comparing methods on {seeds.Count} seeds × {s.Targets.Length} prompts", seeds.Count * s.Targets.Length, tick =>
        {
            foreach (var seed in seeds)
                foreach (var target in s.Targets)
                {
                    using var start = engine.SeedWPlus(seed, s.Truncation);
                    var row = Compare.Run(assets, start, s.Neutral, target, new CompareRunOptions(OptimisationSteps: s.Steps), ct).ToList();
                    columns = Math.Max(columns, row.Count);
                    foreach (var c in row)
                    {
                        images.Add(c.Image);
                        string idPart = c.Identity is { } id ? FormattableString.Invariant($" · id {id:F3}") : "";
                        captions.Add([$"{c.Method} · seed {seed}", $"\"{target}\"",
                            FormattableString.Invariant($"text {c.TextScore:F3} · px {c.PixelDistance:F3}{idPart} · {c.Milliseconds:F0} ms")]);
                        table.Add(new { seed, target, method = c.Method, detail = c.Detail, text_score = Math.Round(c.TextScore, 4),
                            identity = c.Identity is { } v ? Math.Round(v, 4) : (double?)null, pixel_distance = Math.Round(c.PixelDistance, 4), ms = Math.Round(c.Milliseconds, 1) });
                    }
                    tick();
                }
        });
        string outFile = s.Out.EndsWith(".png", StringComparison.OrdinalIgnoreCase) ? s.Out : Path.Combine(s.Out, "compare.png");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
        File.WriteAllBytes(outFile, CaptionedGrid.Png(images, captions, columns));
        Console.WriteLine(JsonSerializer.Serialize(table, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        foreach (var t in images) t.Dispose();
        foreach (var m in mappers.Values) m.Dispose();
        stats?.Dispose(); fs3?.Dispose();
        return 0;
    }
}

/// <summary>faceweb invert IMG --pack DIR [--encoder e4e.pt] [--refine STEPS] [--identity ARCFACE] [$C] --out latent.safetensors</summary>
public sealed class InvertCommand : Command<InvertCommand.Settings>
{
    public sealed class Settings : EditSettings
    {
        [CommandArgument(0, "<IMAGE>"), Description("a face photo: PNG, JPEG or WebP")] public string Image { get; init; } = "";
        [CommandOption("--no-align"), Description("use the centre square as it is (the photo is already aligned)")] public bool NoAlign { get; init; }
        [CommandOption("--face <K>"), Description("which face when there are several (0 = the largest)"), DefaultValue(0)] public int Face { get; init; }
        [CommandOption("--encoder <CKPT>"), Description("e4e encoder whose W+ starts the refinement (else the mean latent)")] public string? Encoder { get; init; }
        [CommandOption("--refine <STEPS>"), Description("projection steps (0 = encoder only)"), DefaultValue(200)] public int Refine { get; init; } = 200;
        [CommandOption("--identity <CKPT>"), Description("ArcFace IR-SE50 (model_ir_se50.pth) or faceapi, for the identity term and the similarity report")] public string? Identity { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        if (!File.Exists(s.Image)) throw new ArgumentException($"{s.Image}: file not found");
        using var engine = s.OpenEngine();
        var g = engine.Generator;
        Tensor target;
        if (s.NoAlign) target = Engine.Inversion.ImageUpload.Decode(File.ReadAllBytes(s.Image), g.Config.Size);
        else
        {
            var (face, _) = CliFaces.AlignOne(s.Image, g.Config.Size, engine.Pack.Framing, s.Face);
            target = face.Image;
        }
        using var _t = target;
        using var identity = s.Identity is null ? null : IdentityModels.Open(s.Identity);
        using var space = s.Clip is null ? null : s.OpenSpace();
        using var encoder = s.Encoder is null ? null : Engine.Inversion.Encoder4Editing.Load(s.Encoder);
        if (encoder is null && s.Refine == 0 && s.Pack is null) throw new ArgumentException("--refine 0 needs --encoder (or a pack with its own encoder)");
        using var packEncoder = encoder is null && s.Pack is not null && ModelPack.Load(s.Pack).Manifest.Files.Any(f => f.Role == ModelPack.EncoderRole)
            ? Engine.Inversion.PackEncoder.Load(ModelPack.Load(s.Pack).PathOf(ModelPack.EncoderRole)) : null;
        Tensor start;
        using (no_grad())
            start = packEncoder is not null ? packEncoder.Invert(target)
                : encoder is null ? TediGan.MeanStart(g)
                : encoder.Invert(g.Config.Size == 256 ? target : nn.functional.interpolate(target, [256, 256], mode: InterpolationMode.Bilinear, align_corners: false));
        var latent = start;
        if (s.Refine > 0)
        {
            CliApp.Progress($"projecting ({s.Refine} steps)", s.Refine, tick =>
            {
                foreach (var f in Engine.Inversion.Projector.Run(g, target, start, new Engine.Inversion.ProjectionOptions(s.Refine, FrameEvery: s.Refine), identity, space, ct))
                {
                    tick();
                    if (f.Latent is not null) { latent = f.Latent; f.Image?.Dispose(); }
                }
            });
        }
        using var _ = no_grad();
        using var image = g.Synthesize(latent);
        string outFile = s.Out.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? s.Out : Path.Combine(s.Out, "latent.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
        SafeTensors.Save(outFile, new Dictionary<string, Tensor> { ["wplus"] = latent });
        File.WriteAllBytes(Path.ChangeExtension(outFile, ".png"), ImageTensors.ToPng(image));
        double pixel = (image.clamp(-1, 1) - target).abs().mean().item<float>() / 2;
        double? id = identity?.Similarity(image, target).item<float>();
        Console.WriteLine(JsonSerializer.Serialize(new { wplus = outFile, pixel_distance = Math.Round(pixel, 4), identity = id is null ? (double?)null : Math.Round(id.Value, 4), steps = s.Refine, encoder = s.Encoder is not null }));
        return 0;
    }
}

/// <summary>faceweb captions [--celeba list_attr_celeba.txt] [--utk labels.csv] [--per-image 3] [--seed 0] [--holdout 0.1] --out captions.jsonl</summary>
public sealed class CaptionsCommand : Command<CaptionsCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--celeba <FILE>"), Description("CelebA list_attr_celeba.txt")] public string? CelebA { get; init; }
        [CommandOption("--utk <FILE>"), Description("UTKFace labels.csv")] public string? Utk { get; init; }
        [CommandOption("--per-image <N>"), DefaultValue(3)] public int PerImage { get; init; } = 3;
        [CommandOption("--seed <S>"), DefaultValue(0)] public int Seed { get; init; }
        [CommandOption("--holdout <FRACTION>"), DefaultValue(0.1)] public double Holdout { get; init; } = 0.1;
        [CommandOption("--out <FILE>")] public string Out { get; init; } = "";

        public override Spectre.Console.ValidationResult Validate() =>
            CelebA is null && Utk is null ? Spectre.Console.ValidationResult.Error("give --celeba and/or --utk")
            : Out == "" ? Spectre.Console.ValidationResult.Error("--out is required")
            : PerImage is < 1 or > 20 ? Spectre.Console.ValidationResult.Error("--per-image must be 1–20")
            : !(Holdout is >= 0 and < 1) ? Spectre.Console.ValidationResult.Error("--holdout must be in [0, 1)")
            : Spectre.Console.ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        var labels = new List<FaceLabels>();
        if (s.CelebA is not null) labels.AddRange(FaceCaptions.ReadCelebA(s.CelebA));
        if (s.Utk is not null) labels.AddRange(FaceCaptions.ReadUtk(s.Utk));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(s.Out))!);
        int held = 0, captions = 0;
        using (var w = new StreamWriter(s.Out))
            foreach (var l in labels)
            {
                bool hold = FaceCaptions.IsHeldOut(l.Image, s.Holdout);
                var c = FaceCaptions.Captions(l, s.PerImage, s.Seed);
                held += hold ? 1 : 0; captions += c.Count;
                w.WriteLine(JsonSerializer.Serialize(new { image = l.Image, source = l.Source, split = hold ? "holdout" : "train", captions = c },
                    new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            }
        Console.WriteLine($"{labels.Count} images ({held} held out), {captions} captions → {s.Out}");
        return 0;
    }
}
