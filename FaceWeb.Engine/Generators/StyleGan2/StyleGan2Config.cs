using FaceWeb.Engine.Checkpoints;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Generators.StyleGan2;

/// <summary>Architecture of a rosinality StyleGAN2 generator. Everything but <see cref="LrMlp"/> is inferred from shapes.</summary>
/// <param name="Channels">C_r for r = 4, 8, …, Size.</param>
public sealed record StyleGan2Config(int Size, int StyleDim, int NMlp, IReadOnlyDictionary<int, int> Channels, double LrMlp = 0.01)
{
    public int LogSize => (int)Math.Log2(Size);
    /// <summary>L = 2·log2(size) − 2 rows of W+.</summary>
    public int NLatent => 2 * LogSize - 2;

    /// <summary>The FFHQ 1024 px config-f generator (channel multiplier 2).</summary>
    public static StyleGan2Config Ffhq1024 { get; } = new(1024, 512, 8,
        new Dictionary<int, int> { [4] = 512, [8] = 512, [16] = 512, [32] = 512, [64] = 512, [128] = 256, [256] = 128, [512] = 64, [1024] = 32 });

    /// <summary>Config-f widths at a smaller resolution (used for benchmarks at 256 px).</summary>
    public static StyleGan2Config FfhqShapes(int size) => new(size, 512, 8,
        Ffhq1024.Channels.Where(kv => kv.Key <= size).ToDictionary(kv => kv.Key, kv => kv.Value));

    /// <summary>Infers the config from a <c>g_ema</c> state dict (prefix removed).</summary>
    public static StyleGan2Config Infer(IReadOnlyDictionary<string, Tensor> g, string source)
    {
        Tensor Get(string key) => g.TryGetValue(key, out var t) ? t
            : throw new CheckpointException($"{source}: not a StyleGAN2 generator state dict (no '{key}').");

        int styleDim = (int)Get("style.1.weight").shape[1];
        int nMlp = 0;
        while (g.ContainsKey($"style.{nMlp + 1}.weight")) nMlp++;
        int nToRgb = 0;
        while (g.ContainsKey($"to_rgbs.{nToRgb}.conv.weight")) nToRgb++;
        int size = 1 << (nToRgb + 2);
        var channels = new Dictionary<int, int> { [4] = (int)Get("input.input").shape[1] };
        for (int i = 0; i < nToRgb; i++)
            channels[8 << i] = (int)Get($"convs.{2 * i}.conv.weight").shape[1];
        if (size < 4 || size > 4096) throw new CheckpointException($"{source}: unsupported generator size {size}.");
        return new StyleGan2Config(size, styleDim, nMlp, channels);
    }
}
