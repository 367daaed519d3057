using System.Diagnostics;
using System.Text.Json;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.Identity;
using FaceWeb.Engine.Inversion;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Bench;

/// <summary>`-- quick-create FIXTURES_DIR`: identity and inversion networks at full size (random weights), and the
/// TediGAN-style loops (text → face step, sketch → face step, prior training step) on the fixture generator + CLIP.</summary>
public static class CreateQuick
{
    static Dictionary<string, Tensor> Zeros(string manifest)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(manifest));
        return doc.RootElement.GetProperty("keys").EnumerateObject().ToDictionary(p => p.Name, p =>
        {
            var shape = p.Value.EnumerateArray().Select(d => d.GetInt64()).ToArray();
            return p.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal) ? zeros(shape, int64)
                 : p.Name.EndsWith("running_var", StringComparison.Ordinal) ? ones(shape) : randn(shape) * 0.02;
        });
    }

    public static void Run(string fixtures)
    {
        Console.WriteLine("what                                              ms");
        using var arcface = ArcFaceBackbone.Load(Zeros(Path.Combine(fixtures, "arcface", "ir_se50_keys.json")), "ir_se50");
        var identity = new ArcFaceIdentity(arcface);
        foreach (int n in new[] { 1, 8 })
        {
            var x = randn(n, 3, 256, 256);
            double ms = Timing.Ms(() => { using var _ = no_grad(); using var s = NewDisposeScope(); identity.Embed(x); }, 3);
            Console.WriteLine($"{$"ArcFace IR-SE50 (ID-loss view of 256 px), batch {n}",-48} {ms,8:F1}");
        }
        using var e4e = Encoder4Editing.Load(Zeros(Path.Combine(fixtures, "e4e", "e4e_ffhq_encoder_keys.json")), zeros(512), "e4e");
        var face = randn(1, 3, 256, 256);
        Console.WriteLine($"{"e4e Encoder4Editing (FFHQ, 18 styles), batch 1",-48} {Timing.Ms(() => { using var _ = no_grad(); using var s = NewDisposeScope(); e4e.Invert(face); }, 3),8:F1}");

        using var g = StyleGan2Generator.Load(Path.Combine(fixtures, "stylegan2", "generator.pt"));
        using var clip = ClipSpace.Load(Path.Combine(fixtures, "clip", "clip.safetensors"), Path.Combine(fixtures, "clip", "bpe_simple_vocab_16e6.txt.gz"));
        var text = clip.EmbedTexts(["a smiling woman with blond hair"])[0];
        var sw = Stopwatch.StartNew();
        using (no_grad()) TediGan.BestStart(g, clip, text, 8, 0).Dispose();
        Console.WriteLine($"{"text → face: best of mean + 8 starts (fixture)",-48} {sw.Elapsed.TotalMilliseconds,8:F1}");
        sw.Restart();
        foreach (var f in LatentOptimizer.Run(g, clip, TediGan.MeanStart(g), text, new OptimizationOptions(40, L2Lambda: 0, FrameEvery: 40))) { f.Image?.Dispose(); f.Latent?.Dispose(); }
        Console.WriteLine($"{"text → face: optimisation step (fixture)",-48} {sw.Elapsed.TotalMilliseconds / 40,8:F1}");
        var target = TediGan.SketchTarget(ones(1, 1, 64, 64) - eye(64).view(1, 1, 64, 64), 64);
        foreach (var (label, withText) in new[] { ("sketch → face step, sketch only (fixture)", false), ("sketch → face step, sketch + caption (fixture)", true) })
        {
            sw.Restart();
            foreach (var f in TediGan.SketchToFace(g, target, withText ? clip : null, withText ? text : null, TediGan.MeanStart(g), new SketchOptions(40, FrameEvery: 40)))
            { f.Image?.Dispose(); f.Latent?.Dispose(); }
            Console.WriteLine($"{label,-48} {sw.Elapsed.TotalMilliseconds / 40,8:F1}");
        }
        using var prior = new TextToWPrior(clip.EmbedDim, g.Config.StyleDim);
        sw.Restart();
        prior.Train(g, clip, TextToWPrior.Captions, new PriorTrainingOptions(Steps: 50, Batch: 8, Samples: 256));
        Console.WriteLine($"{"prior: 256 samples + 50 training steps (fixture)",-48} {sw.Elapsed.TotalMilliseconds,8:F0}");
        var t = clip.EmbedTexts(["a smiling woman"]);
        Console.WriteLine($"{"prior: text → W+ → image (fixture)",-48} {Timing.Ms(() => { using var _ = no_grad(); using var s = NewDisposeScope(); g.Synthesize(prior.WPlus(g, t)); }, 20),8:F2}");
    }
}
