using System.ComponentModel;
using System.Globalization;
using FaceWeb.Engine;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators;
using FaceWeb.Engine.TextImage;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FaceWeb.Cli;

/// <summary>Options shared by the commands that start from a seed of a generator (pack or checkpoint) and may need the
/// text–image space: every edit verb, text2face, sketch2face and compare.</summary>
public class EditSettings : CommandSettings
{
    [CommandOption("--pack <DIR>")] public string? Pack { get; init; }
    [CommandOption("--checkpoint <CKPT>")] public string? Checkpoint { get; init; }
    [CommandOption("--device <DEVICE>"), Description("auto (default), cpu, cuda or cuda:N")] public string? Device { get; init; }
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

    public FaceEngine OpenEngine() => CliApp.OpenEngine(Pack, Checkpoint, Device);

    /// <summary>The engine's editor over the pack (or only the checkpoint), with --clip/--vocab when given.</summary>
    public PackEditor OpenEditor(FaceEngine engine, string? identity = null, string? templates = null) =>
        PackEditor.Open(engine, Pack, null, new EditorOptions(Clip, Vocab, identity, templates));

    /// <summary>Only the text–image space (--clip/--vocab, else the pack's FaceCLIP-mini), for commands that need no editor.</summary>
    public ITextImageSpace OpenSpace() => CliSpaces.Open(Clip, Vocab, Pack);

    /// <summary>The editor's text–image space, or a bad-input error that says how to give one.</summary>
    public static ITextImageSpace RequireSpace(PackEditor editor) => editor.Space
        ?? throw new ArgumentException("this command needs a text–image space: --clip CKPT --vocab FILE, or a pack with FaceCLIP-mini (faceweb train faceclip)");

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

    /// <summary>"coarse,middle" → the layer groups; a clear error for anything else.</summary>
    public static LayerGroups ParseLayers(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Aggregate(LayerGroups.None, (acc, t) => acc | (Enum.TryParse<LayerGroups>(t, ignoreCase: true, out var g) && !int.TryParse(t, out _) ? g
            : throw new ArgumentException($"--layers '{t}' is not coarse, middle, fine or all")));

    public static void WriteStrip(string dir, IReadOnlyList<Tensor> images, IReadOnlyList<string> names)
    {
        Directory.CreateDirectory(dir);
        for (int i = 0; i < images.Count; i++) File.WriteAllBytes(Path.Combine(dir, names[i] + ".png"), ImageTensors.ToPng(images[i]));
        using var all = cat(images.ToArray(), 0);
        File.WriteAllBytes(Path.Combine(dir, "grid.png"), ImageTensors.GridPng(all, images.Count));
    }
}
