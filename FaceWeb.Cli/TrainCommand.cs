using System.ComponentModel;
using FaceWeb.Engine;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Identity;
using FaceWeb.Engine.TextImage;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FaceWeb.Cli;

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
        [CommandOption("--steps <N>"), Description("default: mapper 500, prior 300, faceclip 2500, attributes 3000, encoder 1200, sketch-encoder 3000")] public int? Steps { get; init; }
        [CommandOption("--batch <N>"), Description("default: mapper 4, prior 8, faceclip 256, attributes 512, encoder and sketch-encoder 16")] public int? Batch { get; init; }

        /// <summary>--steps, else the verb's own default (the default pack's recipe, training/build_edits.sh).</summary>
        public int TrainSteps => Steps ?? What switch { "prior" => 300, "faceclip" => 2500, "attributes" => 3000, "encoder" => 1200, "sketch-encoder" => 3000, "ssagan" => 2000, _ => 500 };
        public int TrainBatch => Batch ?? What switch { "prior" => 8, "faceclip" => 256, "attributes" => 512, "encoder" or "sketch-encoder" => 16, "ssagan" => 24, _ => 4 };
        [CommandOption("--ngf <N>"), Description("ssagan: generator width (the reference's ngf; 64 px: ngf·8 up to 32 px, ngf·4 at 64)"), DefaultValue(16)] public int Ngf { get; init; } = 16;
        [CommandOption("--state <FILE>"), Description("ssagan, sketch-encoder: the resumable training state (weights, step); resumed when it exists")] public string? State { get; init; }
        [CommandOption("--datasets <DIR>"), Description("faceclip/attributes: folder with utkface-128 and celeba10k-89x109 (folders or .tar.gz)")] public string? Datasets { get; init; }
        [CommandOption("--per-image <N>"), Description("faceclip: captions per image"), DefaultValue(3)] public int PerImage { get; init; } = 3;
        [CommandOption("--views"), Description("faceclip: each face seen through a random view per step (crop, shift, mirror, noise: the views text guidance uses), not only mirrored")] public bool Views { get; init; }
        [CommandOption("--cache <FILE>"), Description("faceclip: caption-embedding cache")] public string? Cache { get; init; }
        [CommandOption("--lr <RATE>"), Description("faceclip/attributes: peak learning rate"), DefaultValue(2e-3)] public double LearningRate { get; init; } = 2e-3;
        [CommandOption("--seed <N>"), DefaultValue(0)] public int Seed { get; init; }
        [CommandOption("--report <FILE>"), Description("faceclip/attributes: the held-out numbers as JSON")] public string? Report { get; init; }
        [CommandOption("--identity <CKPT>"), Description("mapper: ArcFace IR-SE50 (model_ir_se50.pth) or faceapi, for the identity loss")] public string? Identity { get; init; }
        [CommandOption("--id-lambda <LAMBDA>"), Description("mapper: λ_ID, 0.1 in the paper (needs --identity)"), DefaultValue(0.0)] public double IdLambda { get; init; }
        [CommandOption("--epochs <N>"), Description("judge: passes over CelebA's training split"), DefaultValue(15)] public int Epochs { get; init; } = 15;
        [CommandOption("--out <FILE>"), Description("judge: where to write it (default: " + Engine.Evaluation.CelebAJudge.DefaultPath + ")")] public string? Out { get; init; }
        [CommandOption("--colour-lambda <LAMBDA>"), Description("mapper: λ_colour, how strongly the face region keeps its mean colour (default: the pack's config.mapper_colour_lambda, else 0 as in the paper)")] public double? ColourLambda { get; init; }

        public override Spectre.Console.ValidationResult Validate() =>
            What is not ("mapper" or "boundary" or "prior" or "faceclip" or "attributes" or "encoder" or "sketch-encoder" or "ssagan" or "judge") ? Spectre.Console.ValidationResult.Error("train mapper|boundary|prior|faceclip|attributes|encoder|sketch-encoder|ssagan|judge")
            : What is "faceclip" or "attributes" or "ssagan" or "judge" && Datasets is null ? Spectre.Console.ValidationResult.Error("--datasets is required")
            : What == "judge" && Epochs < 1 ? Spectre.Console.ValidationResult.Error("--epochs must be at least 1")
            : What != "judge" && Pack == "" ? Spectre.Console.ValidationResult.Error("--pack is required")
            : What == "mapper" && Text.Trim() == "" ? Spectre.Console.ValidationResult.Error("--text is required")
            : What == "boundary" && Attribute.Trim() == "" ? Spectre.Console.ValidationResult.Error("--attribute is required")
            : Spectre.Console.ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        if (s.What == "faceclip") return DefaultPackCommands.TrainFaceClip(s, ct);
        if (s.What == "judge") return DefaultPackCommands.TrainJudge(s, ct);
        if (s.What == "attributes") return DefaultPackCommands.TrainAttributes(s, ct);
        if (s.What == "encoder") return DefaultPackCommands.TrainEncoder(s, ct);
        if (s.What == "sketch-encoder") return DefaultPackCommands.TrainSketchEncoder(s, ct);
        if (s.What == "ssagan") return DefaultPackCommands.TrainSsaGan(s, ct);
        using var engine = FaceEngine.FromPack(s.Pack);
        using var space = CliSpaces.Open(s.Clip, s.Vocab, s.Pack);
        if (s.What == "boundary") return TrainBoundary(s, engine, space, ct);
        if (s.What == "prior") return TrainPrior(s, engine, space, ct);
        var text = space.EmbedTexts([s.Text])[0];
        using var identity = s.Identity is null ? null : IdentityModels.Open(s.Identity);
        using var mapper = new StyleClipMapper(engine.Generator.Config.StyleDim, fine: engine.Generator.Config.NLatent > 8);
        double before = MapperTrainer.Evaluate(mapper, engine.Generator, space, text);
        CliApp.Fraction($"training a mapper for \"{s.Text}\"", progress =>
        {
            MapperTrainer.Train(mapper, engine.Generator, space, text, new MapperTrainingOptions(s.TrainSteps, s.TrainBatch, IdLambda: s.IdLambda, ColourLambda: s.ColourLambda ?? engine.Pack.MapperColourLambda),
                new MapperTicks(progress.Report), ct, identity);
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
        CliApp.Fraction($"training the text→W prior ({s.TrainSteps} steps)", progress =>
        {
            prior.Train(g, space, TextToWPrior.Captions, new PriorTrainingOptions(s.TrainSteps, Math.Max(2, s.TrainBatch)),
                new MapperTicks(progress.Report, l => loss = l), ct);
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
        CliApp.Fraction($"scoring {s.Samples} samples for \"{scorer.Attribute}\"", progress =>
        {
            sampled = BoundaryTrainer.Sample(engine.Generator, [scorer], o, progress, ct);
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
