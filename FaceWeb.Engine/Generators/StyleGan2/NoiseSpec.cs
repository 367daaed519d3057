using static TorchSharp.torch;

namespace FaceWeb.Engine.Generators.StyleGan2;

public enum NoiseMode
{
    /// <summary>The checkpoint's <c>noises.noise_j</c> buffers (rosinality's randomize_noise=False). The default.</summary>
    Const,
    /// <summary>Fresh Gaussian noise per call (optionally from a seeded generator).</summary>
    Random,
    /// <summary>No noise.</summary>
    Zero,
    /// <summary>Caller-supplied maps, one per noise layer.</summary>
    Explicit,
}

/// <summary>Which noise the synthesis network injects.</summary>
public sealed record NoiseSpec(NoiseMode Mode, IReadOnlyList<Tensor>? Maps = null, Generator? Rng = null)
{
    public static NoiseSpec Const { get; } = new(NoiseMode.Const);
    public static NoiseSpec Zero { get; } = new(NoiseMode.Zero);
    public static NoiseSpec Random(Generator? rng = null) => new(NoiseMode.Random, null, rng);
    public static NoiseSpec Explicit(IReadOnlyList<Tensor> maps) => new(NoiseMode.Explicit, maps);

    public static NoiseSpec Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "const" or "constant" => Const,
        "random" => Random(),
        "zero" or "none" => Zero,
        _ => throw new ArgumentException($"unknown noise mode '{text}' (const, random or zero)"),
    };
}

/// <summary>One modulated conv of the synthesis network, in StyleSpace order.</summary>
/// <param name="WRow">The W+ row whose style this layer uses.</param>
public sealed record StyleLayer(int Index, string Name, int Channels, int WRow, bool IsToRgb, int Resolution);

/// <summary>A synthesis paused before layer <paramref name="Next"/>: activations X [N,C,H,W] and the RGB image so far
/// Skip [N,3,h,w] (null before to_rgb1). Owns both tensors.</summary>
public sealed record SynthesisState(Tensor X, Tensor? Skip, int Next) : IDisposable
{
    public void Dispose() { X.Dispose(); Skip?.Dispose(); }
}
