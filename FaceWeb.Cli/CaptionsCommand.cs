using System.ComponentModel;
using System.Text.Encodings.Web;
using System.Text.Json;
using FaceWeb.Engine.TextImage;
using Spectre.Console.Cli;

namespace FaceWeb.Cli;

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
