using System.Diagnostics;
using FaceWeb.Engine;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Bench;

/// <summary>`-- quick-edit FIXTURES_DIR`: StyleCLIP edit latencies at the fixture config and at FFHQ 1024 shapes.</summary>
public static class EditQuick
{
    public static void Run(string fixtures)
    {
        var fixtureGen = StyleGan2Generator.Load(Path.Combine(fixtures, "stylegan2", "generator.pt"));
        var fixtureClip = ClipSpace.Load(Path.Combine(fixtures, "clip", "clip.safetensors"), Path.Combine(fixtures, "clip", "bpe_simple_vocab_16e6.txt.gz"));
        var ffhq = new StyleGan2Generator(StyleGan2Config.Ffhq1024);
        var vitB32 = new Clip(ClipConfig.VitB32);
        foreach (var p in vitB32.parameters()) { using var _ = no_grad(); p.normal_(0, 0.02); }
        var vitSpace = new ClipSpace(vitB32, ClipTokenizer.Load(Path.Combine(fixtures, "clip", "bpe_simple_vocab_16e6.txt.gz")));

        Console.WriteLine("what                                    config      ms");
        foreach (var (name, g, space) in new[] { ("fixture64", fixtureGen, (ITextImageSpace)fixtureClip), ("ffhq1024", ffhq, vitSpace) })
        {
            var stats = StyleSpaceStats.Compute(g, 1000, batch: 250);
            long channels = Fs3Job.ManipulableLayers(g).Sum(l => (long)l.Channels);
            var fs3 = nn.functional.normalize(randn(channels, space.EmbedDim), dim: -1);
            var engine = new FaceEngine(g, new PackInfo(name, false, g.Config.Size, "bench", "random"));   // not disposed: the generator and space are used after the loop
            var editor = PackEditor.FromParts(engine, space, stats, fs3);
            var start = g.Broadcast(g.Map(randn(1, g.Config.StyleDim)));
            var global = new GlobalDirectionEdit("a face", "a smiling face", 3, 0.1);
            editor.Apply(start, global).Dispose();                                    // Δt computed once and cached, as in the app
            double globalMs = Timing.Ms(() => editor.Apply(start, global).Dispose(), name == "ffhq1024" ? 2 : 20);
            Console.WriteLine($"{"global-direction edit (fs3 cached)",-39} {name,-10} {globalMs,7:F1}");

            string mapperFile = Path.Combine(Path.GetTempPath(), $"mapper-bench-{Guid.NewGuid():N}.safetensors");
            using (var random = new StyleClipMapper(g.Config.StyleDim, fine: g.Config.NLatent > 8)) MapperTrainer.Save(random, mapperFile, "bench");
            editor.AddMapper("bench", mapperFile);
            var mapper = editor.Mapper("bench");
            double mapperOnly = Timing.Ms(() => { using var _ = no_grad(); using var s = NewDisposeScope(); mapper.Edit(start); }, 20);
            double mapperFrame = Timing.Ms(() => editor.Apply(start, new MapperEdit("bench")).Dispose(), name == "ffhq1024" ? 2 : 20);
            File.Delete(mapperFile);
            Console.WriteLine($"{"mapper inference (mapper only)",-39} {name,-10} {mapperOnly,7:F2}");
            Console.WriteLine($"{"mapper edit + render",-39} {name,-10} {mapperFrame,7:F1}");

            var pca = Stopwatch.StartNew();
            _ = editor.Principal;                                                       // computed once per pack, on first use
            Console.WriteLine($"{"GANSpace directions (10 000 samples)",-39} {name,-10} {pca.Elapsed.TotalMilliseconds,7:F0}");
            double principalMs = Timing.Ms(() => editor.Apply(start, new PrincipalEdit(0, 2)).Dispose(), name == "ffhq1024" ? 2 : 20);
            Console.WriteLine($"{"GANSpace edit + render",-39} {name,-10} {principalMs,7:F1}");

            int steps = name == "ffhq1024" ? 2 : 20;
            var sw = Stopwatch.StartNew();
            foreach (var f in editor.Optimise(start, editor.EditOptimisation("a smiling face", steps, frames: 1))) f?.Dispose();
            Console.WriteLine($"{"optimisation step (fwd+bwd, CLIP loss)",-39} {name,-10} {sw.Elapsed.TotalMilliseconds / steps,7:F1}");
        }

        using var st = StyleSpaceStats.Compute(fixtureGen, 2000);
        string progress = Path.Combine(Path.GetTempPath(), $"fs3-bench-{Guid.NewGuid():N}.safetensors");
        var fsw = Stopwatch.StartNew();
        using (Fs3Job.Run(fixtureGen, fixtureClip, st, new Fs3Options(Images: 8), progress)) { }
        Console.WriteLine($"{"fs3 precompute, 440 channels × 8 images",-39} {"fixture64",-10} {fsw.Elapsed.TotalMilliseconds,7:F0}");
        File.Delete(progress);
    }
}
