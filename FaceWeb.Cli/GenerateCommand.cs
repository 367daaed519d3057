using System.ComponentModel;
using FaceWeb.Engine;
using FaceWeb.Engine.Generators;
using FaceWeb.Engine.Generators.StyleGan2;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FaceWeb.Cli;

/// <summary>faceweb generate (--pack DIR | --checkpoint CKPT) --seeds 0-7 --truncation 0.7 --out DIR</summary>
public sealed class GenerateCommand : Command<GenerateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--pack <DIR>")] public string? Pack { get; init; }
        [CommandOption("--checkpoint <CKPT>")] public string? Checkpoint { get; init; }
        [CommandOption("--device <DEVICE>"), Description("auto (default), cpu, cuda or cuda:N")] public string? Device { get; init; }
        [CommandOption("--seeds <SEEDS>"), DefaultValue("0-7"), Description("e.g. 0-7 or 1,5,9")] public string Seeds { get; init; } = "0-7";
        [CommandOption("--truncation <T>"), DefaultValue(0.7)] public double Truncation { get; init; } = 0.7;
        [CommandOption("--noise <MODE>"), DefaultValue("const")] public string Noise { get; init; } = "const";
        [CommandOption("--out <DIR>")] public string Out { get; init; } = "";

        public override Spectre.Console.ValidationResult Validate()
        {
            if ((Pack is null) == (Checkpoint is null)) return Spectre.Console.ValidationResult.Error("give exactly one of --pack or --checkpoint");
            if (Out == "") return Spectre.Console.ValidationResult.Error("--out is required");
            if (!double.IsFinite(Truncation)) return Spectre.Console.ValidationResult.Error("--truncation must be a finite number");
            return Spectre.Console.ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var seeds = CliApp.ParseSeeds(s.Seeds);
        var noise = NoiseSpec.Parse(s.Noise);
        using var engine = CliApp.OpenEngine(s.Pack, s.Checkpoint, s.Device);
        Directory.CreateDirectory(s.Out);
        var g = engine.Generator;
        var images = new List<Tensor>();
        using var _ = no_grad();
        CliApp.Progress($"generating {seeds.Count} images", seeds.Count, tick =>
        {
            foreach (var seed in seeds)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var img = g.Synthesize(engine.SeedWPlus(seed, s.Truncation), noise);
                File.WriteAllBytes(Path.Combine(s.Out, $"seed{seed:D4}.png"), ImageTensors.ToPng(img));
                images.Add(img.MoveToOuterDisposeScope());
                tick();
            }
        });
        using var all = cat(images, 0);
        File.WriteAllBytes(Path.Combine(s.Out, "grid.png"), ImageTensors.GridPng(all, (int)Math.Ceiling(Math.Sqrt(seeds.Count))));
        foreach (var t in images) t.Dispose();
        Console.WriteLine($"wrote {seeds.Count} images and grid.png to {s.Out} ({engine.Pack.Name}, {engine.Pack.Resolution} px)");
        return 0;
    }
}
