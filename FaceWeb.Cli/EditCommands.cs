using System.ComponentModel;
using System.Globalization;
using FaceWeb.Engine;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators;
using FaceWeb.Engine.Identity;
using FaceWeb.Engine.Inversion;
using FaceWeb.Engine.TextImage;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FaceWeb.Cli;

/// <summary>Options shared by the editing commands: the generator (pack or checkpoint) and the text–image space.</summary>
public class EditSettings : CommandSettings
{
    [CommandOption("--pack <DIR>")] public string? Pack { get; init; }
    [CommandOption("--checkpoint <CKPT>")] public string? Checkpoint { get; init; }
    [CommandOption("--clip <CKPT>"), Description("CLIP ViT checkpoint (OpenAI layout)")] public string? Clip { get; init; }
    [CommandOption("--vocab <FILE>"), Description("bpe_simple_vocab_16e6.txt.gz")] public string? Vocab { get; init; }
    [CommandOption("--seed <S>"), DefaultValue(0L)] public long Seed { get; init; }
    [CommandOption("--truncation <T>"), DefaultValue(0.7)] public double Truncation { get; init; } = 0.7;
    [CommandOption("--out <PATH>")] public string Out { get; init; } = "";

    public override Spectre.Console.ValidationResult Validate()
    {
        if ((Pack is null) == (Checkpoint is null)) return Spectre.Console.ValidationResult.Error("give exactly one of --pack or --checkpoint");
        if (Out == "") return Spectre.Console.ValidationResult.Error("--out is required");
        return Spectre.Console.ValidationResult.Success();
    }

    public FaceEngine OpenEngine() => Pack is not null ? FaceEngine.FromPack(Pack) : FaceEngine.FromCheckpoint(Checkpoint!);

    public ITextImageSpace OpenSpace() => CliSpaces.Open(Clip, Vocab, Pack);

    /// <summary>Start latent of --seed at --truncation: [1,L,D] W+.</summary>
    public Tensor StartLatent(FaceEngine e)
    {
        using var _ = no_grad();
        return e.SeedWPlus(Seed, Truncation);
    }

    /// <summary>"a:b:n" → n evenly spaced values; "x" → [x].</summary>
    public static double[] Range(string text, string what)
    {
        var p = text.Split(':');
        double Num(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v : throw new ArgumentException($"{what} '{text}' is not a number or a:b:n range");
        if (p.Length == 1) return [Num(p[0])];
        if (p.Length != 3 || !int.TryParse(p[2], out int n) || n < 1 || n > 1000) throw new ArgumentException($"{what} '{text}' must be a:b:n with 1 ≤ n ≤ 1000");
        double a = Num(p[0]), b = Num(p[1]);
        return Enumerable.Range(0, n).Select(i => n == 1 ? a : a + (b - a) * i / (n - 1)).ToArray();
    }

    public static void WriteStrip(string dir, IReadOnlyList<Tensor> images, IReadOnlyList<string> names)
    {
        Directory.CreateDirectory(dir);
        for (int i = 0; i < images.Count; i++) File.WriteAllBytes(Path.Combine(dir, names[i] + ".png"), ImageTensors.ToPng(images[i]));
        using var all = cat(images.ToArray(), 0);
        File.WriteAllBytes(Path.Combine(dir, "grid.png"), ImageTensors.GridPng(all, images.Count));
    }
}

/// <summary>faceweb precompute stylespace|fs3 --pack DIR …: statistics and StyleCLIP channel directions stored in the pack.</summary>
public sealed class PrecomputeCommand : Command<PrecomputeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<WHAT>"), Description("stylespace, fs3 or boundaries")] public string What { get; init; } = "";
        [CommandOption("--ratio <R>"), Description("boundaries: the fraction of samples per side"), DefaultValue(0.02)] public double Ratio { get; init; } = 0.02;
        [CommandOption("--report <FILE>"), Description("boundaries: accuracies as JSON")] public string? Report { get; init; }
        [CommandOption("--pack <DIR>")] public string Pack { get; init; } = "";
        [CommandOption("--samples <N>"), DefaultValue(100_000)] public int Samples { get; init; } = 100_000;
        [CommandOption("--clip <CKPT>")] public string? Clip { get; init; }
        [CommandOption("--vocab <FILE>")] public string? Vocab { get; init; }
        [CommandOption("--images <K>"), DefaultValue(100)] public int Images { get; init; } = 100;
        [CommandOption("--alpha <A>"), DefaultValue(5.0)] public double Alpha { get; init; } = 5;

        public override Spectre.Console.ValidationResult Validate() =>
            What is not ("stylespace" or "fs3" or "boundaries") ? Spectre.Console.ValidationResult.Error("WHAT must be stylespace, fs3 or boundaries")
            : Pack == "" ? Spectre.Console.ValidationResult.Error("--pack is required")
            : Spectre.Console.ValidationResult.Success();
    }

    public const string StatsFile = "stylespace_stats.safetensors", Fs3File = "fs3.safetensors";

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        if (s.What == "boundaries") return DefaultPackCommands.PrecomputeBoundaries(s, ct);
        using var engine = FaceEngine.FromPack(s.Pack);
        var g = engine.Generator;
        if (s.What == "stylespace")
        {
            StyleSpaceStats? stats = null;
            CliApp.Progress($"StyleSpace statistics over {s.Samples} samples", 100, tick =>
            {
                int shown = 0;
                stats = StyleSpaceStats.Compute(g, s.Samples, progress: new Ticks(f => { while (shown < (int)(f * 100)) { shown++; tick(); } }), ct: ct);
            });
            stats!.Save(Path.Combine(s.Pack, StatsFile));
            ModelPack.AddFile(s.Pack, "stylespace-stats", StatsFile);
            Console.WriteLine($"wrote {StatsFile} ({s.Samples} samples) and updated the manifest");
            return 0;
        }
        string statsPath = Path.Combine(s.Pack, StatsFile);
        if (!File.Exists(statsPath)) throw new ArgumentException($"run 'faceweb precompute stylespace --pack {s.Pack}' first");
        using var statsLoaded = StyleSpaceStats.Load(statsPath, g);
        using var space = CliSpaces.Open(s.Clip, s.Vocab, s.Pack);
        string progressFile = Path.Combine(s.Pack, "fs3.progress.safetensors");
        Tensor? fs3 = null;
        CliApp.Progress("fs3 (resumable: Ctrl-C keeps what is done)", 100, tick =>
        {
            int shown = 0;
            fs3 = Fs3Job.Run(g, space, statsLoaded, new Fs3Options(s.Images, s.Alpha), progressFile,
                new Ticks(f => { while (shown < (int)(f * 100)) { shown++; tick(); } }), ct);
        });
        SafeTensors.Save(Path.Combine(s.Pack, Fs3File), new Dictionary<string, Tensor> { ["fs3"] = fs3! },
            new Dictionary<string, string> { ["space"] = space.Name, ["images"] = s.Images.ToString(CultureInfo.InvariantCulture), ["alpha"] = s.Alpha.ToString(CultureInfo.InvariantCulture) });
        File.Delete(progressFile);
        ModelPack.AddFile(s.Pack, "fs3", Fs3File);
        Console.WriteLine($"wrote {Fs3File} [{string.Join(",", fs3!.shape)}] and updated the manifest");
        return 0;
    }
}

static class CliSpaces
{
    /// <summary>--clip/--vocab, else the pack's FaceCLIP-mini; a clear error when there is neither.</summary>
    public static ITextImageSpace Open(string? clip, string? vocab, string? pack) => TextImageSpaces.Open(clip, vocab, pack)
        ?? throw new ArgumentException("this command needs a text–image space: --clip CKPT --vocab FILE, or a pack with FaceCLIP-mini (faceweb train faceclip)");
}

sealed class Ticks(Action<double> report) : IProgress<double>
{
    public void Report(double value) => report(value);
}

/// <summary>faceweb edit global|mapper|optimize …: PNG strips of an edit.</summary>
public sealed class EditCommand : Command<EditCommand.Settings>
{
    public sealed class Settings : EditSettings
    {
        [CommandArgument(0, "<METHOD>"), Description("global, mapper, optimize or interfacegan")] public string Method { get; init; } = "";
        [CommandOption("--neutral <TEXT>"), DefaultValue("a face")] public string Neutral { get; init; } = "a face";
        [CommandOption("--target <TEXT>")] public string? Target { get; init; }
        [CommandOption("--templates <SET>"), Description("prompt ensembling: faces (default), none, or a file with one {} template per line"), DefaultValue("faces")] public string Templates { get; init; } = "faces";
        [CommandOption("--alpha <RANGE>"), DefaultValue("0:4:5")] public string Alpha { get; init; } = "0:4:5";
        [CommandOption("--beta <B>"), DefaultValue(0.1)] public double Beta { get; init; } = 0.1;
        [CommandOption("--mapper <FILE>")] public string? Mapper { get; init; }
        [CommandOption("--strength <RANGE>"), DefaultValue("0:1:3")] public string Strength { get; init; } = "0:1:3";
        [CommandOption("--steps <N>"), DefaultValue(300)] public int Steps { get; init; } = 300;
        [CommandOption("--l2 <LAMBDA>"), DefaultValue(0.008)] public double L2 { get; init; } = 0.008;
        [CommandOption("--identity <CKPT>"), Description("ArcFace IR-SE50 (model_ir_se50.pth) for the identity loss")] public string? Identity { get; init; }
        [CommandOption("--id-lambda <LAMBDA>"), Description("λ_ID (needs --identity)"), DefaultValue(0.0)] public double IdLambda { get; init; }
        [CommandOption("--encoder <CKPT>"), Description("an e4e encoder for the in-domain regulariser (TediGAN)")] public string? Encoder { get; init; }
        [CommandOption("--domain-lambda <LAMBDA>"), Description("λ_domain · mean((w − E(G(w)))²) (needs --encoder)"), DefaultValue(0.0)] public double DomainLambda { get; init; }
        [CommandOption("--attribute <NAME>"), Description("interfacegan: a boundary in the pack (boundary:NAME)")] public string? Attribute { get; init; }
        [CommandOption("--condition <NAME>"), Description("interfacegan: keep these attributes fixed")] public string[] Conditions { get; init; } = [];
        [CommandOption("--layers <GROUPS>"), Description("interfacegan: coarse, middle, fine or all (comma-separated)"), DefaultValue("all")] public string Layers { get; init; } = "all";
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        using var engine = s.OpenEngine();
        var g = engine.Generator;
        using var start = s.StartLatent(engine);
        var images = new List<Tensor>(); var names = new List<string>();
        switch (s.Method)
        {
            case "global":
            {
                if (s.Target is null) throw new ArgumentException("--target is required");
                if (s.Pack is null) throw new ArgumentException("global directions need a pack with stylespace statistics and fs3 (--pack)");
                using var space = s.OpenSpace();
                using var stats = StyleSpaceStats.Load(Path.Combine(s.Pack, PrecomputeCommand.StatsFile), g);
                using var fs3sd = CheckpointReader.Load(Path.Combine(s.Pack, PrecomputeCommand.Fs3File));
                var templates = PromptTemplates.Resolve(s.Templates);
                using var _ = no_grad();
                var dt = GlobalDirections.Dt(space.EmbedTexts(PromptTemplates.Fill(templates, s.Target)), space.EmbedTexts(PromptTemplates.Fill(templates, s.Neutral)));
                var layers = Fs3Job.ManipulableLayers(g);
                var (delta, moved) = GlobalDirections.Boundary(fs3sd["fs3"], dt, s.Beta, layers.Select(l => stats.Std[l.Index]).ToList());
                Console.WriteLine($"β = {s.Beta.ToString(CultureInfo.InvariantCulture)} moves {moved} channels");
                var styles = g.Styles(start);
                foreach (var a in EditSettings.Range(s.Alpha, "--alpha"))
                {
                    images.Add(g.SynthesizeStyles(StyleEdits.Apply(styles, layers, delta, a)));
                    names.Add($"alpha{a.ToString("+0.00;-0.00", CultureInfo.InvariantCulture)}");
                }
                break;
            }
            case "mapper":
            {
                if (s.Mapper is null) throw new ArgumentException("--mapper FILE is required");
                using var mapper = StyleClipMapper.Load(s.Mapper);
                using var _ = no_grad();
                foreach (var k in EditSettings.Range(s.Strength, "--strength"))
                {
                    images.Add(g.Synthesize(mapper.Edit(start, k)));
                    names.Add($"strength{k.ToString("0.00", CultureInfo.InvariantCulture)}");
                }
                break;
            }
            case "optimize":
            {
                if (s.Target is null) throw new ArgumentException("--target is required");
                using var space = s.OpenSpace();
                var text = space.EmbedTexts([s.Target])[0];
                using (no_grad()) { images.Add(g.Synthesize(start)); names.Add("step0000"); }
                CliApp.Progress($"optimising {s.Steps} steps", s.Steps, tick =>
                {
                    using var identity = s.Identity is null ? null : IdentityModels.Open(s.Identity);
                    using var encoder = s.Encoder is null ? null : Encoder4Editing.Load(s.Encoder);
                    foreach (var f in LatentOptimizer.Run(g, space, start, text, new OptimizationOptions(s.Steps, L2Lambda: s.L2,
                        FrameEvery: Math.Max(1, s.Steps / 4), IdLambda: s.IdLambda, DomainLambda: s.DomainLambda), ct, identity, encoder: encoder))
                    {
                        tick();
                        if (f.Image is not null) { images.Add(f.Image); names.Add($"step{f.Step:D4}"); f.Latent?.Dispose(); }
                    }
                });
                break;
            }
            case "interfacegan":
            {
                if (s.Attribute is null) throw new ArgumentException("--attribute is required");
                if (s.Pack is null) throw new ArgumentException("InterFaceGAN boundaries live in a pack (--pack)");
                var pack = ModelPack.Load(s.Pack);
                AttributeDirection Direction(string name) => BoundaryTrainer.LoadDirection(name, pack.PathOf(ModelPack.BoundaryRole + name));
                var primal = Direction(s.Attribute);
                var conditions = s.Conditions.Select(Direction).ToList();
                var rows = ParseLayers(s.Layers);
                using var _ = no_grad();
                using var z = engine.SeedLatent(s.Seed);
                foreach (var a in EditSettings.Range(s.Alpha, "--alpha"))
                {
                    images.Add(g.Synthesize(InterFaceGan.Sliders(g, z, s.Truncation, [(primal, a)], conditions, rows)));
                    names.Add($"alpha{a.ToString("+0.00;-0.00", CultureInfo.InvariantCulture)}");
                }
                break;
            }
            default:
                throw new ArgumentException($"unknown method '{s.Method}' (global, mapper, optimize or interfacegan)");
        }
        EditSettings.WriteStrip(s.Out, images, names);
        Console.WriteLine($"wrote {images.Count} images and grid.png to {s.Out}");
        foreach (var t in images) t.Dispose();
        return 0;
    }

    static LayerGroups ParseLayers(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Aggregate(LayerGroups.None, (acc, t) => acc | (Enum.TryParse<LayerGroups>(t, ignoreCase: true, out var g) && !int.TryParse(t, out _) ? g
            : throw new ArgumentException($"--layers '{t}' is not coarse, middle, fine or all")));
}

/// <summary>faceweb train mapper --pack DIR --clip … --vocab … --text "…" [--steps N] [--out FILE]</summary>
public sealed class TrainCommand : Command<TrainCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<WHAT>"), Description("mapper or boundary")] public string What { get; init; } = "";
        [CommandOption("--attribute <NAME>"), Description("boundary: any attribute, scored by the text–image space")] public string Attribute { get; init; } = "";
        [CommandOption("--samples <N>"), DefaultValue(10_000)] public int Samples { get; init; } = 10_000;
        [CommandOption("--ratio <R>"), DefaultValue(0.02)] public double Ratio { get; init; } = 0.02;
        [CommandOption("--pack <DIR>")] public string Pack { get; init; } = "";
        [CommandOption("--clip <CKPT>")] public string? Clip { get; init; }
        [CommandOption("--vocab <FILE>")] public string? Vocab { get; init; }
        [CommandOption("--text <TEXT>")] public string Text { get; init; } = "";
        [CommandOption("--steps <N>"), DefaultValue(500)] public int Steps { get; init; } = 500;
        [CommandOption("--batch <N>"), DefaultValue(4)] public int Batch { get; init; } = 4;
        [CommandOption("--datasets <DIR>"), Description("faceclip/attributes: folder with utkface-128 and celeba10k-89x109 (folders or .tar.gz)")] public string? Datasets { get; init; }
        [CommandOption("--per-image <N>"), Description("faceclip: captions per image"), DefaultValue(3)] public int PerImage { get; init; } = 3;
        [CommandOption("--cache <FILE>"), Description("faceclip: caption-embedding cache")] public string? Cache { get; init; }
        [CommandOption("--lr <RATE>"), Description("faceclip/attributes: peak learning rate"), DefaultValue(2e-3)] public double LearningRate { get; init; } = 2e-3;
        [CommandOption("--seed <N>"), DefaultValue(0)] public int Seed { get; init; }
        [CommandOption("--report <FILE>"), Description("faceclip/attributes: the held-out numbers as JSON")] public string? Report { get; init; }
        [CommandOption("--identity <CKPT>"), Description("mapper: ArcFace IR-SE50 (model_ir_se50.pth) or faceapi, for the identity loss")] public string? Identity { get; init; }
        [CommandOption("--id-lambda <LAMBDA>"), Description("mapper: λ_ID, 0.1 in the paper (needs --identity)"), DefaultValue(0.0)] public double IdLambda { get; init; }

        public override Spectre.Console.ValidationResult Validate() =>
            What is not ("mapper" or "boundary" or "prior" or "faceclip" or "attributes" or "encoder") ? Spectre.Console.ValidationResult.Error("train mapper|boundary|prior|faceclip|attributes|encoder")
            : What is "faceclip" or "attributes" && Datasets is null ? Spectre.Console.ValidationResult.Error("--datasets is required")
            : Pack == "" ? Spectre.Console.ValidationResult.Error("--pack is required")
            : What == "mapper" && Text.Trim() == "" ? Spectre.Console.ValidationResult.Error("--text is required")
            : What == "boundary" && Attribute.Trim() == "" ? Spectre.Console.ValidationResult.Error("--attribute is required")
            : Spectre.Console.ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        if (s.What == "faceclip") return DefaultPackCommands.TrainFaceClip(s, ct);
        if (s.What == "attributes") return DefaultPackCommands.TrainAttributes(s, ct);
        if (s.What == "encoder") return DefaultPackCommands.TrainEncoder(s, ct);
        using var engine = FaceEngine.FromPack(s.Pack);
        using var space = CliSpaces.Open(s.Clip, s.Vocab, s.Pack);
        if (s.What == "boundary") return TrainBoundary(s, engine, space, ct);
        if (s.What == "prior") return TrainPrior(s, engine, space, ct);
        var text = space.EmbedTexts([s.Text])[0];
        using var identity = s.Identity is null ? null : IdentityModels.Open(s.Identity);
        using var mapper = new StyleClipMapper(engine.Generator.Config.StyleDim, fine: engine.Generator.Config.NLatent > 8);
        double before = MapperTrainer.Evaluate(mapper, engine.Generator, space, text);
        CliApp.Progress($"training a mapper for \"{s.Text}\"", s.Steps, tick =>
        {
            int shown = 0;
            MapperTrainer.Train(mapper, engine.Generator, space, text, new MapperTrainingOptions(s.Steps, s.Batch, IdLambda: s.IdLambda),
                new MapperTicks(f => { while (shown < (int)Math.Round(f * s.Steps)) { shown++; tick(); } }), ct, identity);
        });
        double after = MapperTrainer.Evaluate(mapper, engine.Generator, space, text);
        string file = $"mapper-{ModelPack.Slug(s.Text)}.safetensors";
        MapperTrainer.Save(mapper, Path.Combine(s.Pack, file), s.Text);
        ModelPack.AddFile(s.Pack, $"mapper:{s.Text}", file);
        Console.WriteLine($"held-out CLIP loss {before:F4} → {after:F4}; wrote {file} and updated the manifest");
        return 0;
    }

    public const string PriorFile = "prior_text_to_w.safetensors";

    static int TrainPrior(Settings s, FaceEngine engine, ITextImageSpace space, CancellationToken ct)
    {
        var g = engine.Generator;
        using var prior = new TextToWPrior(space.EmbedDim, g.Config.StyleDim);
        double loss = double.NaN;
        CliApp.Progress($"training the text→W prior ({s.Steps} steps)", s.Steps, tick =>
        {
            int shown = 0;
            prior.Train(g, space, TextToWPrior.Captions, new PriorTrainingOptions(s.Steps, Math.Max(2, s.Batch)),
                new MapperTicks(f => { while (shown < (int)Math.Round(f * s.Steps)) { shown++; tick(); } }, l => loss = l), ct);
        });
        prior.Save(Path.Combine(s.Pack, PriorFile), space.Name);
        ModelPack.AddFile(s.Pack, ModelPack.PriorRole, PriorFile);
        Console.WriteLine($"final loss {loss:F4}; wrote {PriorFile} and updated the manifest");
        return 0;
    }

    static int TrainBoundary(Settings s, FaceEngine engine, ITextImageSpace space, CancellationToken ct)
    {
        var scorer = new TextAttributeScorer(space, s.Attribute);
        var o = new BoundaryOptions(s.Samples, s.Ratio);
        (Tensor Codes, Tensor[] Scores) sampled = default;
        CliApp.Progress($"scoring {s.Samples} samples for \"{scorer.Attribute}\"", 100, tick =>
        {
            int shown = 0;
            sampled = BoundaryTrainer.Sample(engine.Generator, [scorer], o, new Ticks(f => { while (shown < (int)(f * 100)) { shown++; tick(); } }), ct);
        });
        var b = BoundaryTrainer.Fit(sampled.Codes!, sampled.Scores![0], o);
        string file = $"boundary-{ModelPack.Slug(scorer.Attribute)}.safetensors";
        BoundaryTrainer.Save(b, scorer.Attribute, Path.Combine(s.Pack, file));
        ModelPack.AddFile(s.Pack, $"boundary:{scorer.Attribute}", file);
        Console.WriteLine($"validation accuracy {b.ValidationAccuracy:P1} (train {b.TrainAccuracy:P1}, {b.TrainPerSide}+{b.ValidationPerSide} per side); wrote {file}");
        return 0;
    }

    sealed class MapperTicks(Action<double> report, Action<double>? loss = null) : IProgress<(double Fraction, double ClipLoss)>
    {
        public void Report((double Fraction, double ClipLoss) value) { report(value.Fraction); loss?.Invoke(value.ClipLoss); }
    }
}
