using System.ComponentModel;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FaceWeb.Cli;

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
