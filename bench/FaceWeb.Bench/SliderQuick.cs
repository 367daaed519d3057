using System.Diagnostics;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Bench;

/// <summary>`-- quick-sliders FIXTURES_DIR`: InterFaceGAN slider frame latency (fixture config and FFHQ 1024 shapes) and
/// boundary training time for N = 2 000 on the fixture generator scored by the fixture CLIP.</summary>
public static class SliderQuick
{
    public static void Run(string fixtures)
    {
        var fixtureGen = StyleGan2Generator.Load(Path.Combine(fixtures, "stylegan2", "generator.pt"));
        var ffhq = new StyleGan2Generator(StyleGan2Config.Ffhq1024);
        Console.WriteLine("what                                               config      ms");
        foreach (var (name, g, reps) in new[] { ("fixture64", fixtureGen, 30), ("ffhq1024", ffhq, 3) })
        {
            AttributeDirection Unit(string n, int seed) { var v = randn([1, g.Config.StyleDim], generator: new Generator((ulong)seed)); return new(n, v / v.norm(), LatentSpace.W); }
            var (smile, age, glasses) = (Unit("smile", 1), Unit("age", 2), Unit("glasses", 3));
            var z = randn(1, g.Config.StyleDim);
            double Frame(LayerGroups rows, IReadOnlyList<AttributeDirection> keep)
            {
                void One(double a) { using var _ = no_grad(); using var s = NewDisposeScope(); g.Synthesize(InterFaceGan.Sliders(g, z, 0.7, [(smile, a), (age, -1)], keep, rows)); }
                One(0.5);
                var sw = Stopwatch.StartNew();
                for (int i = 0; i < reps; i++) One(i * 0.1);
                return sw.Elapsed.TotalMilliseconds / reps;
            }
            Console.WriteLine($"{"slider frame (2 sliders, all layers)",-50} {name,-10} {Frame(LayerGroups.All, []),7:F1}");
            Console.WriteLine($"{"slider frame (2 sliders, 1 kept fixed, coarse)",-50} {name,-10} {Frame(LayerGroups.Coarse, [glasses]),7:F1}");
            var latentOnly = Stopwatch.StartNew();
            for (int i = 0; i < 100; i++) { using var _ = no_grad(); using var s = NewDisposeScope(); InterFaceGan.Sliders(g, z, 0.7, [(smile, i * 0.01)], [glasses, age], LayerGroups.All); }
            Console.WriteLine($"{"  of which latent arithmetic (map + 2 projections)",-50} {name,-10} {latentOnly.Elapsed.TotalMilliseconds / 100,7:F2}");
        }

        using var clip = ClipSpace.Load(Path.Combine(fixtures, "clip", "clip.safetensors"), Path.Combine(fixtures, "clip", "bpe_simple_vocab_16e6.txt.gz"));
        var scorer = new TextAttributeScorer(clip, "smiling");
        var o = new BoundaryOptions(Samples: 2000, Ratio: 0.1, Batch: 16);
        var sample = Stopwatch.StartNew();
        var (codes, scores) = BoundaryTrainer.Sample(fixtureGen, [scorer], o);
        double sampleMs = sample.Elapsed.TotalMilliseconds;
        var fit = Stopwatch.StartNew();
        var b = BoundaryTrainer.Fit(codes, scores[0], o);
        Console.WriteLine($"{"boundary: sample + render + score N=2000",-50} {"fixture64",-10} {sampleMs,7:F0}");
        Console.WriteLine($"{$"boundary: linear SVM fit ({b.TrainPerSide}+{b.TrainPerSide} rows)",-50} {"fixture64",-10} {fit.Elapsed.TotalMilliseconds,7:F0}");
        Console.WriteLine($"validation accuracy {b.ValidationAccuracy:P1}, train {b.TrainAccuracy:P1}");
    }
}
