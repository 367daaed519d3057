// Metrics for text → face generators (issue 19): R-precision in the pack's text–image space (AttnGAN's: rank the
// true caption among 99 others by cosine, top-1), and the Fréchet distance in the model card's random feature space
// (training/train.py's RandomFeatureNet: four fixed 4×4 stride-2 convs with seeded Gaussian weights, LeakyReLU 0.2,
// mean-pooled 512-d; NOT Inception, not comparable to published FIDs).
using TorchSharp;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Evaluation;

public static class GenerativeMetrics
{
    /// <summary>Top-1 R-precision: for image i, its caption <paramref name="truth"/>[i] against <paramref name="distractors"/>
    /// other captions drawn (seeded) from the rest, none with the same text (<paramref name="texts"/>: captions repeat, "a
    /// smiling woman" describes many faces). Images [N,E] and captions [M,E] unit-length.</summary>
    public static double RPrecision(Tensor images, Tensor captions, IReadOnlyList<int> truth, IReadOnlyList<string> texts, int distractors = 99, int seed = 0)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var rng = new Random(seed);
        var sims = images.matmul(captions.t()).cpu();                                        // [N,M]
        var s = sims.data<float>().ToArray();
        long m = captions.shape[0];
        int hits = 0;
        for (int i = 0; i < truth.Count; i++)
        {
            float own = s[i * m + truth[i]];
            bool best = true;
            for (int k = 0, drawn = 0; drawn < distractors && k < 100 * distractors; k++)
            {
                int j = rng.Next((int)m);
                if (texts[j] == texts[truth[i]]) continue;
                drawn++;
                if (s[i * m + j] >= own) { best = false; }
            }
            if (best) hits++;
        }
        return (double)hits / truth.Count;
    }

    /// <summary>training/train.py's RandomFeatureNet, weights drawn in the same order from a CPU generator seeded 1234.</summary>
    public sealed class RandomFeatureNet : IDisposable
    {
        readonly List<Tensor> ws = [];

        public RandomFeatureNet(long seed = 1234)
        {
            var g = new TorchSharp.torch.Generator((ulong)seed);
            int[] chans = [3, 64, 128, 256, 512];
            for (int i = 0; i < 4; i++)
                ws.Add(randn([chans[i + 1], chans[i], 4, 4], generator: g) * Math.Sqrt(2.0 / (chans[i] * 16)));
        }

        /// <summary>[N,3,H,W] in [−1,1] → [N,512]</summary>
        public Tensor Features(Tensor x)
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            foreach (var w in ws) x = nn.functional.leaky_relu(nn.functional.conv2d(x, w, strides: [2, 2], padding: [1, 1]), 0.2);
            return x.mean([2, 3]).MoveToOuterDisposeScope();
        }

        public void Dispose() { foreach (var w in ws) w.Dispose(); }
    }

    /// <summary>Fréchet distance of two feature sets [N,F] (float64, as train.py's `frechet`).</summary>
    public static double Frechet(Tensor a, Tensor b)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var (x, y) = (a.to(float64).cpu(), b.to(float64).cpu());
        var (m1, m2) = (x.mean([0]), y.mean([0]));
        Tensor Cov(Tensor f, Tensor m) { var c = f - m; return c.t().matmul(c) / (f.shape[0] - 1); }
        var (s1, s2) = (Cov(x, m1), Cov(y, m2));
        var (e, v) = linalg.eigh(s1);
        var r = (v * e.clamp_min(0).sqrt()).matmul(v.t());
        var ev = linalg.eigvalsh(r.matmul(s2).matmul(r));
        double trCov = ev.clamp_min(0).sqrt().sum().item<double>();
        return (m1 - m2).square().sum().item<double>() + s1.trace().item<double>() + s2.trace().item<double>() - 2 * trCov;
    }
}
