using System.ComponentModel;
using System.Text.Json;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FaceWeb.Cli;

/// <summary>faceweb sketch2face --pack DIR --sketch PNG [--method encoder|refine|optimise] [--text "…"] --out DIR</summary>
public sealed class Sketch2FaceCommand : Command<Sketch2FaceCommand.Settings>
{
    public sealed class Settings : EditSettings
    {
        [CommandOption("--sketch <PNG>"), Description("dark strokes on a white (or transparent) background")] public string Sketch { get; init; } = "";
        [CommandOption("--method <M>"), Description("encoder (the pack's sketch encoder, one pass; the default when the pack has one and no --text is given), refine (the encoder, then --steps of refinement; the default with --text) or optimise (--steps from --seed's face, no encoder)")]
        public string? Method { get; init; }
        [CommandOption("--text <TEXT>"), Description("a caption for the fine rows during refinement (the pack's text–image space, or --clip and --vocab)")] public string? Text { get; init; }
        [CommandOption("--steps <N>"), Description("refinement steps for refine and optimise"), DefaultValue(100)] public int Steps { get; init; } = 100;
        [CommandOption("--rest-from-seed"), Description("encoder, refine: the fine rows from --seed's face instead of the encoder's")] public bool RestFromSeed { get; init; }

        public override Spectre.Console.ValidationResult Validate() =>
            Sketch == "" ? Spectre.Console.ValidationResult.Error("--sketch is required")
            : Method is not (null or "encoder" or "refine" or "optimise") ? Spectre.Console.ValidationResult.Error("--method must be encoder, refine or optimise")
            : Method == "encoder" && Text is not null ? Spectre.Console.ValidationResult.Error("--text acts during refinement: the encoder's one pass reads only the sketch (use --method refine)")
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        if (!File.Exists(s.Sketch)) throw new ArgumentException($"--sketch {s.Sketch}: file not found");
        using var engine = s.OpenEngine();
        using var editor = s.OpenEditor(engine);
        string method = s.Method ?? (editor.SketchEncoder is null ? "optimise" : s.Text is null ? "encoder" : "refine");   // a caption needs refinement steps
        if (method != "optimise" && editor.SketchEncoder is null) throw new ArgumentException($"--method {method} needs a pack with a sketch encoder (faceweb train sketch-encoder)");
        if (s.Text is not null) EditSettings.RequireSpace(editor);
        using var sketch = ImageTensors.LoadGrey(File.ReadAllBytes(s.Sketch));
        int steps = method == "encoder" ? 0 : s.Steps;
        long? restSeed = method == "optimise" || s.RestFromSeed ? s.Seed : null;
        var images = new List<Tensor>(); var names = new List<string>();
        string detail = "";
        CliApp.Progress($"sketch → face ({method})", Math.Max(1, steps), tick =>
        {
            foreach (var f in editor.SketchToFace(sketch, s.Text, restSeed, steps, s.Truncation, frames: 4, encoder: method != "optimise", ct))
            {
                if (f is null) { tick(); continue; }
                if (steps == 0 || f.Progress > 0) tick();
                detail = f.Detail;
                images.Add(f.Image); names.Add(f.Method == EditMethod.Source ? "encoder" : $"step{(int)Math.Round(f.Progress * steps):D4}");
                f.Latent?.Dispose();
            }
        });
        EditSettings.WriteStrip(s.Out, images, names);
        using (var drawn = FaceSketch.Resize(sketch, engine.Generator.Config.Size))
        using (var result = editor.SketchOf(images[^1]))
        {
            File.WriteAllBytes(Path.Combine(s.Out, "sketch_in.png"), FaceSketch.Png(drawn));
            File.WriteAllBytes(Path.Combine(s.Out, "sketch_out.png"), FaceSketch.Png(result));
        }
        Console.WriteLine(JsonSerializer.Serialize(new { method, steps, last = detail, images = images.Count, dir = s.Out }));
        foreach (var t in images) t.Dispose();
        return 0;
    }
}
