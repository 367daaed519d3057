using FaceWeb.Engine.Editing;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FaceWeb.Cli;

/// <summary>What every one-pass edit verb does: open the pack's editor, start from --seed at --truncation, run the
/// verb's requests through <see cref="PackEditor.Apply"/>, and write each image and a grid. A verb only parses.</summary>
public abstract class OnePassEditCommand<TSettings> : Command<TSettings> where TSettings : EditSettings
{
    /// <summary>The requests of the strip, each with its image's file name.</summary>
    protected abstract IEnumerable<(string Name, EditRequest Request)> Requests(TSettings s, PackEditor editor);

    protected virtual string? Templates(TSettings s) => null;

    public override int Execute(CommandContext context, TSettings s, CancellationToken ct)
    {
        using var engine = s.OpenEngine();
        using var editor = s.OpenEditor(engine, templates: Templates(s));
        using var start = editor.SeedStart(s.Seed, s.Truncation);
        var images = new List<Tensor>(); var names = new List<string>();
        foreach (var (name, request) in Requests(s, editor))
        {
            ct.ThrowIfCancellationRequested();
            var r = editor.Apply(start, request);
            r.Latent?.Dispose();
            images.Add(r.Image); names.Add(name);
            Console.WriteLine($"{name}: {r.Method.Title()}, {r.Detail}");
        }
        EditSettings.WriteStrip(s.Out, images, names);
        Console.WriteLine($"wrote {images.Count} images and grid.png to {s.Out}");
        foreach (var t in images) t.Dispose();
        return 0;
    }

    protected static string Signed(string prefix, double v) => prefix + v.ToString("+0.00;-0.00", System.Globalization.CultureInfo.InvariantCulture);
}
