using System.ComponentModel;
using System.Text.Encodings.Web;
using System.Text.Json;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Evaluation;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FaceWeb.Cli;

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
        using var editor = s.OpenEditor(engine, identity: s.Identity);
        EditSettings.RequireSpace(editor);
        var seeds = s.Seeds is null ? [s.Seed] : CliApp.ParseSeeds(s.Seeds);
        var images = new List<Tensor>(); var captions = new List<IReadOnlyList<string>>(); var table = new List<object>();
        int columns = 0;
        CliApp.Progress($"comparing methods on {seeds.Count} seeds × {s.Targets.Length} prompts", seeds.Count * s.Targets.Length, tick =>
        {
            foreach (var seed in seeds)
                foreach (var target in s.Targets)
                {
                    using var start = editor.SeedStart(seed, s.Truncation);
                    var row = Compare.Run(editor, start, s.Neutral, target, new CompareRunOptions(OptimisationSteps: s.Steps), ct).ToList();
                    columns = Math.Max(columns, row.Count);
                    foreach (var c in row)
                    {
                        c.Latent?.Dispose();
                        images.Add(c.Image);
                        captions.Add([$"{c.Method.Title()} · seed {seed}", $"\"{target}\"",
                            Compare.Scores(c.TextScore, c.PixelDistance, c.Identity) + FormattableString.Invariant($" · {c.Milliseconds:F0} ms")]);
                        table.Add(new { seed, target, method = c.Method.Title(), detail = c.Detail, text_score = Math.Round(c.TextScore, 4),
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
        return 0;
    }
}
