using System.ComponentModel;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FaceWeb.Cli;

/// <summary>faceweb sketch --pack DIR (--seeds 0-7 | --image PNG) --out PNG: the sketch of a face as FaceWeb draws it
/// (what "Sketch this face" puts on the canvas) and, with --training, the randomised sketches the sketch encoder learns from.</summary>
public sealed class SketchCommand : Command<SketchCommand.Settings>
{
    public sealed class Settings : EditSettings
    {
        [CommandOption("--seeds <SEEDS>"), DefaultValue("0-7")] public string Seeds { get; init; } = "0-7";
        [CommandOption("--image <PNG>"), Description("sketch this image (PNG, JPEG or WebP, square; resized to the pack's size) instead of seeds")] public string? Image { get; init; }
        [CommandOption("--training <N>"), Description("also N randomised training sketches per face"), DefaultValue(0)] public int Training { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        if (s.Training is < 0 or > 16) throw new ArgumentException("--training must be 0–16");
        using var engine = s.OpenEngine();
        var g = engine.Generator;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor faces;
        if (s.Image is not null)
        {
            if (!File.Exists(s.Image)) throw new ArgumentException($"--image {s.Image}: file not found");
            faces = Engine.Inversion.ImageUpload.Decode(File.ReadAllBytes(s.Image), g.Config.Size);
        }
        else faces = cat(CliApp.ParseSeeds(s.Seeds).Select(seed => g.Synthesize(engine.SeedWPlus(seed, s.Truncation))).ToArray(), 0);
        var rng = new Generator((ulong)s.Seed);
        var columns = new List<Tensor> { faces.clamp(-1, 1), FaceSketch.Render(faces) * 2 - 1 };
        for (int i = 0; i < s.Training; i++) columns.Add(FaceSketch.RenderRandom(faces, rng) * 2 - 1);
        // One row per face: the face, its sketch, its training sketches.
        var grid = stack(columns.Select(c => c.expand(-1, 3, -1, -1)).ToArray(), 1).flatten(0, 1);
        File.WriteAllBytes(s.Out, ImageTensors.GridPng(grid, columns.Count));
        Console.WriteLine($"{faces.shape[0]} faces × (face, sketch{(s.Training > 0 ? $", {s.Training} training sketches" : "")}) → {s.Out}");
        return 0;
    }
}
