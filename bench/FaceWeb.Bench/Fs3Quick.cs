using System.Diagnostics;
using FaceWeb.Engine;
using FaceWeb.Engine.Editing;
using static TorchSharp.torch;

namespace FaceWeb.Bench;

/// <summary>`-- quick-fs3 PACK [images]`: what one fs3 channel costs on a pack (K images at −α·σ and +α·σ, rendered and
/// embedded), per manipulable layer, rendering every layer against resuming after the layers the channel cannot change
/// (<c>SynthesizeUntil</c> / <c>SynthesizeFrom</c>, what <c>Fs3Job</c> does), and the whole precompute that implies.</summary>
public static class Fs3Quick
{
    public static void Run(string pack, int images)
    {
        using var engine = FaceEngine.FromPack(pack);
        using var editor = PackEditor.Open(engine, pack);
        var g = engine.Generator;
        var space = editor.Space ?? throw new InvalidOperationException($"{pack} has no text–image space");
        using var _ = no_grad();
        var styles = g.Styles(g.WPlusFromZ(randn([images, g.Config.StyleDim], generator: new Generator(0))));
        var both = styles.Select(s => cat([s, s], 0)).ToList();
        Console.WriteLine($"fs3 on {pack}, {images} images per channel ({2 * images} renders); fastest of 3, ms per channel");
        Console.WriteLine("layer        channels   whole render   resumed   saved");
        double whole = 0, resumed = 0;
        foreach (var layer in Fs3Job.ManipulableLayers(g))
        {
            using var paused = g.SynthesizeUntil(styles, layer.Index);
            using var twice = new Engine.Generators.StyleGan2.SynthesisState(cat([paused.X, paused.X], 0),
                paused.Skip is null ? null : cat([paused.Skip, paused.Skip], 0), paused.Next);
            double a = Fastest(() => space.EmbedImages(g.SynthesizeStyles(both)));
            double b = Fastest(() => space.EmbedImages(g.SynthesizeFrom(twice, both)));
            Console.WriteLine($"{layer.Name,-12} {layer.Channels,8} {a,14:F0} {b,9:F0} {1 - b / a,7:P0}");
            whole += a * layer.Channels;
            resumed += b * layer.Channels;
        }
        Console.WriteLine($"all channels: {whole / 60_000:F1} min rendering every layer, {resumed / 60_000:F1} min resumed ({1 - resumed / whole:P0} saved)");
    }

    static double Fastest(Func<Tensor> work)
    {
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            var sw = Stopwatch.StartNew();
            using (NewDisposeScope()) work();
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
        }
        return best;
    }
}
