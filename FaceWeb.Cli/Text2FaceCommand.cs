using System.ComponentModel;
using System.Text.Json;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.TextImage;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FaceWeb.Cli;

/// <summary>faceweb text2face --pack DIR $C --text "…" --method attributes|optimise|prior|ssagan --seeds 0-3 --out DIR</summary>
public sealed class Text2FaceCommand : Command<Text2FaceCommand.Settings>
{
    public sealed class Settings : EditSettings
    {
        [CommandOption("--text <TEXT>")] public string Text { get; init; } = "";
        [CommandOption("--method <M>"), Description("attributes (gender, age and smile read from the caption, set with the pack's sliders), optimise (CLIP-guided optimisation from the best start), prior (the pack's text→W prior) or ssagan (the pack's SSA-GAN, one pass); default: attributes where the pack has those sliders, else optimise")]
        public string? Method { get; init; }
        [CommandOption("--seeds <SEEDS>"), DefaultValue("0-3")] public string Seeds { get; init; } = "0-3";
        [CommandOption("--steps <N>"), Description("optimise: optimisation steps (default 200); attributes, prior: refinement steps (default 0)"), DefaultValue(-1)] public int Steps { get; init; } = -1;
        [CommandOption("--starts <K>"), Description("optimise: random starts tried per seed, best kept"), DefaultValue(8)] public int Starts { get; init; } = 8;

        public override Spectre.Console.ValidationResult Validate() =>
            Text.Trim() == "" ? Spectre.Console.ValidationResult.Error("--text is required") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        TextToFaceMethod? asked = s.Method is null ? null : TextToFaceMethods.Parse(s.Method);
        using var engine = s.OpenEngine();
        using var editor = s.OpenEditor(engine);
        var method = asked ?? (editor.HasAttributeSliders ? TextToFaceMethod.Attributes : TextToFaceMethod.Optimise);
        var space = EditSettings.RequireSpace(editor);
        if (method == TextToFaceMethod.Prior && !editor.HasPrior) throw new ArgumentException("--method prior needs a pack with a trained prior (faceweb train prior)");
        if (method == TextToFaceMethod.SsaGan && !editor.HasSsaGan) throw new ArgumentException("--method ssagan needs a pack with an SSA-GAN (faceweb train ssagan)");
        if (method == TextToFaceMethod.Attributes && !editor.HasAttributeSliders) throw new ArgumentException("--method attributes needs a pack with a male, age or smiling slider (faceweb precompute boundaries)");
        var seeds = CliApp.ParseSeeds(s.Seeds);
        int steps = s.Steps >= 0 ? s.Steps : method == TextToFaceMethod.Optimise ? 200 : 0;
        using var text = editor.EmbedText(s.Text);
        var images = new List<Tensor>(); var names = new List<string>();
        var scores = new List<double>();
        var details = new List<string>();
        CliApp.Progress($"text → face ({method.Verb()}) for {seeds.Count} seeds", seeds.Count, tick =>
        {
            foreach (var seed in seeds)
            {
                var last = EditResult.Last(editor.TextToFace(s.Text, seed, method, steps, s.Truncation, s.Starts, frames: 1, ct: ct));
                var image = last.TakeImage();
                using (no_grad()) scores.Add(1 - space.ClipLoss(image, text).item<float>());
                images.Add(image); names.Add($"seed{seed:D4}"); details.Add(last.Detail);
                tick();
            }
        });
        EditSettings.WriteStrip(s.Out, images, names);
        Console.WriteLine(JsonSerializer.Serialize(new { text = s.Text, method = method.Verb(), steps, seeds, text_score = scores, detail = details }));
        foreach (var t in images) t.Dispose();
        return 0;
    }
}
