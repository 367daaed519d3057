// StyleSpace statistics (Wu et al. 2021, "StyleSpace Analysis"; StyleCLIP §6 uses them to scale channel moves):
// the per-channel mean and standard deviation of every style vector over sampled W.
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Generators.StyleGan2;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Editing;

public sealed class StyleSpaceStats : IDisposable
{
    /// <summary>Per StyleSpace layer (generator order, ToRGB included): [C_k].</summary>
    public IReadOnlyList<Tensor> Mean { get; }
    public IReadOnlyList<Tensor> Std { get; }
    public int Samples { get; }

    StyleSpaceStats(List<Tensor> mean, List<Tensor> std, int samples) => (Mean, Std, Samples) = (mean, std, samples);

    /// <summary>Over <paramref name="samples"/> W = mapping(z) with seeded z (StyleCLIP: 100 000 for FFHQ).</summary>
    public static StyleSpaceStats Compute(StyleGan2Generator g, int samples, long seed = 0, int batch = 1000,
        IProgress<double>? progress = null, CancellationToken ct = default)
    {
        if (samples < 2) throw new ArgumentException("at least 2 samples are needed");
        using var _ = no_grad();
        var rng = new Generator((ulong)seed);
        int layers = g.Layers.Count;
        var sum = g.Layers.Select(l => zeros(l.Channels, dtype: float64, device: g.Device)).ToList();
        var sumSq = g.Layers.Select(l => zeros(l.Channels, dtype: float64, device: g.Device)).ToList();
        for (int done = 0; done < samples; done += batch)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            int n = Math.Min(batch, samples - done);
            var s = g.Styles(g.WPlusFromZ(EngineDevice.SeededNormal([n, g.Config.StyleDim], rng, g.Device)));
            for (int k = 0; k < layers; k++)
            {
                var x = s[k].to(float64);
                sum[k].add_(x.sum([0]));
                sumSq[k].add_(x.square().sum([0]));
            }
            progress?.Report((double)(done + n) / samples);
        }
        var mean = new List<Tensor>(); var std = new List<Tensor>();
        for (int k = 0; k < layers; k++)
        {
            var m = sum[k] / samples;
            var v = sumSq[k] / samples - m.square();   // population variance, as StyleCLIP's np.std
            mean.Add(m.to(float32));
            std.Add(v.clamp_min(0).sqrt().to(float32));
            sum[k].Dispose(); sumSq[k].Dispose();
        }
        return new StyleSpaceStats(mean, std, samples);
    }

    public void Save(string path)
    {
        var t = new Dictionary<string, Tensor>();
        for (int k = 0; k < Mean.Count; k++) { t[$"mean_{k}"] = Mean[k]; t[$"std_{k}"] = Std[k]; }
        SafeTensors.Save(path, t, new Dictionary<string, string> { ["samples"] = Samples.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    public static StyleSpaceStats Load(string path, StyleGan2Generator g)
    {
        var t = SafeTensors.Load(path, out var meta);
        var mean = new List<Tensor>(); var std = new List<Tensor>();
        for (int k = 0; k < g.Layers.Count; k++)
        {
            if (!t.TryGetValue($"mean_{k}", out var m) || !t.TryGetValue($"std_{k}", out var s) || m.shape[0] != g.Layers[k].Channels || s.shape[0] != g.Layers[k].Channels)
                throw new CheckpointException($"{path}: StyleSpace statistics do not fit this generator (layer {k}, {g.Layers[k].Name}).");
            mean.Add(m.to(g.Device)); std.Add(s.to(g.Device));
        }
        return new StyleSpaceStats(mean, std, int.Parse(meta.GetValueOrDefault("samples", "0"), System.Globalization.CultureInfo.InvariantCulture));
    }

    public void Dispose()
    {
        foreach (var t in Mean.Concat(Std)) t.Dispose();
    }
}
