using BenchmarkDotNet.Attributes;
using FaceWeb.Engine.Generators.StyleGan2;
using static TorchSharp.torch;

namespace FaceWeb.Bench;

/// <summary>Generator forward (mapping + synthesis, constant noise) with random weights at three shapes.
/// GFLOP/s = <see cref="Flops"/> / time; see bench/README.md.</summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5, invocationCount: 1)]
public class GeneratorBenchmarks
{
    public static readonly Dictionary<string, StyleGan2Config> Configs = new()
    {
        ["fixture64"] = new(64, 64, 3, new Dictionary<int, int> { [4] = 64, [8] = 64, [16] = 48, [32] = 32, [64] = 24 }),
        ["faceweb-mini64"] = FaceWeb.Engine.FaceEngine.DefaultPackConfig,
        ["ffhq256"] = StyleGan2Config.FfhqShapes(256),
        ["ffhq1024"] = StyleGan2Config.Ffhq1024,
    };

    [Params("fixture64", "faceweb-mini64", "ffhq256", "ffhq1024")] public string Config { get; set; } = "fixture64";
    [Params(1, 8)] public int Batch { get; set; }

    StyleGan2Generator g = null!;
    Tensor z = null!;

    [GlobalSetup]
    public void Setup()
    {
        g = new StyleGan2Generator(Configs[Config]);
        z = randn([Batch, g.Config.StyleDim], generator: new Generator(1));
    }

    [Benchmark]
    public long Forward()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var img = g.Synthesize(g.Broadcast(g.Map(z)));
        return img.shape[2];
    }

    [GlobalCleanup]
    public void Cleanup() { g.Dispose(); z.Dispose(); }

    /// <summary>Multiply-adds ×2 of the convolutions, modulation and mapping layers for one image.</summary>
    /// <summary>This machine's convolution peak as libtorch reaches it: GFLOP/s of one large 3×3 convolution (512 → 512
    /// channels, 64 × 64, batch 4; what oneDNN does best), the median of 5 after a warm-up.</summary>
    public static double MeasuredPeak()
    {
        using var _ = no_grad();
        using var x = randn(4, 512, 64, 64);
        using var w = randn(512, 512, 3, 3);
        double flops = 2.0 * 4 * 512 * 512 * 9 * 64 * 64;
        using (nn.functional.conv2d(x, w, padding: [1, 1])) { }
        var times = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            using (nn.functional.conv2d(x, w, padding: [1, 1])) { }
            times.Add(sw.Elapsed.TotalSeconds);
        }
        return flops / times.Order().ElementAt(2) / 1e9;
    }

    public static double Flops(StyleGan2Config c)
    {
        double f = c.NMlp * 2.0 * c.StyleDim * c.StyleDim;
        double Conv(int cin, int cout, int k, int res) => 2.0 * cin * cout * k * k * res * res;
        double Mod(int cin) => 2.0 * c.StyleDim * cin;
        int c4 = c.Channels[4], cin = c4;
        f += Conv(c4, c4, 3, 4) + Mod(c4) + Conv(c4, 3, 1, 4) + Mod(c4);
        for (int r = 8; r <= c.Size; r *= 2)
        {
            int cout = c.Channels[r];
            f += Conv(cin, cout, 3, r / 2) + Mod(cin) + 2.0 * cout * 16 * (r + 1) * (r + 1); // transposed conv + blur
            f += Conv(cout, cout, 3, r) + Mod(cout);
            f += Conv(cout, 3, 1, r) + Mod(cout) + 2.0 * 3 * 16 * r * r;                     // ToRGB + skip up-sampling
            cin = cout;
        }
        return f;
    }
}
