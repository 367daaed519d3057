// GANSpace — Härkönen, Hertzmann, Lehtinen, Paris, "GANSpace: Discovering Interpretable GAN Controls" (NeurIPS 2020), §2.
// PCA of the mapping network's outputs w = M(z) over random samples; moving w along the k-th principal direction
// v_k by α standard deviations (on a range of W+ rows) gives an unsupervised edit: no labels and no text.
using FaceWeb.Engine.Generators.StyleGan2;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Editing;

/// <param name="Mean">μ of w. [D]</param>
/// <param name="Components">principal directions v_k as unit rows, largest variance first. [K,D]</param>
/// <param name="Std">σ_k: the standard deviation of the samples along v_k. [K]</param>
/// <param name="Explained">the fraction of w's total variance along each v_k. [K]</param>
public sealed class PrincipalDirections(Tensor mean, Tensor components, Tensor std, Tensor explained, int samples) : IDisposable
{
    public Tensor Mean { get; } = mean;
    public Tensor Components { get; } = components;
    public Tensor Std { get; } = std;
    public Tensor Explained { get; } = explained;
    public int Samples { get; } = samples;
    public int Count => (int)Components.shape[0];

    /// <summary>w = M(z) for <paramref name="samples"/> seeded z; the top <paramref name="components"/> eigenvectors of
    /// their covariance (the paper uses incremental PCA over 10⁶ samples; an exact eigendecomposition of the D×D
    /// covariance in float64 gives the same directions for any sample count that fits). Each direction's sign is fixed
    /// so that its largest entry is positive, so a pack's directions are the same on every run.</summary>
    public static PrincipalDirections Compute(StyleGan2Generator g, int samples = 10_000, int components = 20, long seed = 0, int batch = 1000)
    {
        int d = g.Config.StyleDim;
        if (samples < 2) throw new ArgumentException("PCA needs at least two samples");
        if (components < 1 || components > d) throw new ArgumentException($"components must be between 1 and {d}");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var gen = new Generator((ulong)seed);
        var ws = new List<Tensor>();
        for (int done = 0; done < samples; done += batch)
            ws.Add(g.Map(EngineDevice.SeededNormal([Math.Min(batch, samples - done), d], gen, g.Device)).to(float64));   // [n,D]
        var w = cat(ws, 0);                                                                             // [N,D]
        var mean = w.mean([0]);
        var centred = w - mean;
        var cov = centred.t().matmul(centred) / (samples - 1);                                          // [D,D]
        var (values, vectors) = linalg.eigh(cov);                                                       // ascending
        var order = values.argsort(descending: true)[TensorIndex.Slice(0, components)];
        var v = vectors.index_select(1, order).t();                                                     // [K,D]
        var top = v.abs().argmax(1, keepdim: true);
        v = v * v.gather(1, top).sign();
        var variance = values.index_select(0, order).clamp_min(0);
        var explained = variance / values.clamp_min(0).sum();
        // Owned by the returned object for as long as it lives, whatever scope the caller is in.
        return new PrincipalDirections(mean.to(float32).DetachFromDisposeScope(), v.to(float32).contiguous().DetachFromDisposeScope(),
            variance.sqrt().to(float32).DetachFromDisposeScope(), explained.to(float32).DetachFromDisposeScope(), samples);
    }

    /// <summary>W+ [N,L,D] → W+ moved by α·σ_k·v_k on the rows of <paramref name="rows"/> (GANSpace's layer-range edits).</summary>
    public Tensor Move(Tensor wplus, int component, double alpha, LayerGroups rows = LayerGroups.All)
    {
        if (component < 0 || component >= Count) throw new ArgumentException($"there are {Count} principal directions (0 to {Count - 1}); {component} is not one");
        if (!double.IsFinite(alpha)) throw new ArgumentException("α must be a finite number");
        if (wplus.dim() != 3 || wplus.shape[2] != Components.shape[1]) throw new ArgumentException($"the start must be W+ [N,L,{Components.shape[1]}]");
        using var scope = NewDisposeScope();
        int l = (int)wplus.shape[1];
        var mask = InterFaceGan.RowMask(rows, l, wplus.device).view(1, l, 1);
        var step = (alpha * Std[component] * Components[component]).view(1, 1, -1);
        return (wplus + mask * step).MoveToOuterDisposeScope();
    }

    public void Dispose() { Mean.Dispose(); Components.Dispose(); Std.Dispose(); Explained.Dispose(); }
}
