using System.ComponentModel;
using System.Globalization;
using FaceWeb.Engine;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Editing;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FaceWeb.Cli;

/// <summary>faceweb precompute stylespace|fs3 --pack DIR …: statistics and StyleCLIP channel directions stored in the pack.</summary>
public sealed class PrecomputeCommand : Command<PrecomputeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<WHAT>"), Description("stylespace, fs3 or boundaries")] public string What { get; init; } = "";
        [CommandOption("--ratio <R>"), Description("boundaries: the fraction of samples per side"), DefaultValue(0.02)] public double Ratio { get; init; } = 0.02;
        [CommandOption("--report <FILE>"), Description("boundaries: accuracies as JSON")] public string? Report { get; init; }
        [CommandOption("--keep-colour"), Description("boundaries: project every slider that is not about a colour off the face-brightness boundary (InterFaceGAN's conditional manipulation), so it keeps the skin tone")]
        public bool KeepColour { get; init; }
        [CommandOption("--pack <DIR>")] public string Pack { get; init; } = "";
        [CommandOption("--samples <N>"), Description("default: stylespace 100 000, boundaries 10 000")] public int? SamplesOption { get; init; }

        /// <summary>--samples, else the verb's own default (the default pack's recipe).</summary>
        public int Samples => SamplesOption ?? (What == "boundaries" ? 10_000 : 100_000);
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
            CliApp.Fraction($"StyleSpace statistics over {s.Samples} samples", progress =>
            {
                stats = StyleSpaceStats.Compute(g, s.Samples, progress: progress, ct: ct);
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
        string progressFile = Path.Combine(s.Pack, "fs3.progress.safetensors"), target = Path.Combine(s.Pack, Fs3File);
        var options = new Fs3Options(s.Images, s.Alpha);
        string why = "the pack has none";
        using var start = File.Exists(target) ? Fs3Mean.LoadExtendable(target, space, options, out why) : null;
        Console.WriteLine(start is null
            ? $"fs3 over {s.Images} images (the pack's fs3 is not extended: {why})"
            : $"fs3: adding images {start.Images + 1}–{s.Images} to the pack's fs3 over {start.Images}");
        Fs3Mean? fs3 = null;
        CliApp.Fraction("fs3 (resumable: Ctrl-C keeps what is done)", progress =>
        {
            fs3 = Fs3Job.Extend(g, space, statsLoaded, options, progressFile, start, progress, ct);
        });
        using (fs3) fs3!.Save(target, space, options);
        File.Delete(progressFile);
        ModelPack.AddFile(s.Pack, "fs3", Fs3File);
        Console.WriteLine($"wrote {Fs3File} (fs3 over {s.Images} images) and updated the manifest");
        return 0;
    }
}
