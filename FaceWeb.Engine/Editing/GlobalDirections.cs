// StyleCLIP global directions — Patashnik et al., "StyleCLIP: Text-Driven Manipulation of StyleGAN Imagery"
// (ICCV 2021), §6. The arithmetic of orpatashnik/StyleCLIP global_directions (GetFs, GetDt, GetBoundary, SplitS).
using static TorchSharp.torch;

namespace FaceWeb.Engine.Editing;

public static class GlobalDirections
{
    /// <summary>fs3 (§6, eq. 6): all_f [C,K,2,E] = embeddings of the images with channel c at −α·σ and +α·σ, K images each.
    /// Δ = norm(f₊) − norm(f₋), normalise, mean over images, normalise. → [C,E]</summary>
    public static Tensor Fs(Tensor allF)
    {
        using var scope = NewDisposeScope();
        return nn.functional.normalize(UnitChanges(allF).mean([1]), dim: -1).MoveToOuterDisposeScope();
    }

    /// <summary>Each image's unit change in embedding when channel c moves: normalise(norm(f₊) − norm(f₋)). [C,K,2,E] → [C,K,E]</summary>
    public static Tensor UnitChanges(Tensor allF)
    {
        if (allF.dim() != 4 || allF.shape[2] != 2) throw new ArgumentException($"all_f must be [C,K,2,E], got [{string.Join(",", allF.shape)}]");
        using var scope = NewDisposeScope();
        var f = nn.functional.normalize(allF, dim: -1);
        return nn.functional.normalize(f[.., .., 1] - f[.., .., 0], dim: -1).MoveToOuterDisposeScope();
    }

    /// <summary>Δt from per-template text embeddings [T,E] of the target and neutral prompts: ensemble each
    /// (normalise, mean, normalise), subtract, normalise. → [E]</summary>
    public static Tensor Dt(Tensor targetTemplates, Tensor neutralTemplates)
    {
        using var scope = NewDisposeScope();
        var t = TextImage.TextImageSpaces.Ensemble(targetTemplates);
        var n = TextImage.TextImageSpaces.Ensemble(neutralTemplates);
        return nn.functional.normalize(t - n, dim: 0).MoveToOuterDisposeScope();
    }

    /// <summary>Relevance r = fs3·Δt; channels with |r| &lt; β are zeroed; the rest divided by max |r| and scaled by each
    /// channel's σ; split per non-ToRGB layer (widths <paramref name="codeStd"/>). Add α·Δs to the style vectors to edit.</summary>
    public static (IReadOnlyList<Tensor> DeltaPerLayer, int Channels) Boundary(Tensor fs3, Tensor dt, double beta, IReadOnlyList<Tensor> codeStd)
    {
        long total = codeStd.Sum(s => s.shape[0]);
        if (fs3.dim() != 2 || fs3.shape[0] != total || fs3.shape[1] != dt.shape[0])
            throw new ArgumentException($"fs3 must be [{total},{dt.shape[0]}], got [{string.Join(",", fs3.shape)}]");
        if (!double.IsFinite(beta) || beta < 0) throw new ArgumentException("β must be a finite number ≥ 0");
        using var scope = NewDisposeScope();
        var r = fs3.matmul(dt);                                   // [C]
        var keep = DeviceOps.Abs(r) >= beta;
        int channels = (int)EngineDevice.ReadCount(keep.sum());
        var ds = r * keep.to(r.dtype);                            // r where kept, 0 elsewhere
        if (channels > 0) ds = ds / DeviceOps.Abs(ds).max();
        var result = new List<Tensor>();
        long start = 0;
        foreach (var std in codeStd)
        {
            long n = std.shape[0];
            result.Add((ds[TensorIndex.Slice(start, start + n)] * std).MoveToOuterDisposeScope());
            start += n;
        }
        return (result, channels);
    }
}

public static class StyleEdits
{
    /// <summary>MSCode: s′ = s + α·Δs on the manipulated layers (Δs from <see cref="GlobalDirections.Boundary"/>, in the
    /// order of <paramref name="layers"/>); other layers unchanged. Styles: list of [N,C_k] per generator layer.</summary>
    public static List<Tensor> Apply(IReadOnlyList<Tensor> styles, IReadOnlyList<Generators.StyleGan2.StyleLayer> layers,
        IReadOnlyList<Tensor> delta, double alpha)
    {
        if (layers.Count != delta.Count) throw new ArgumentException($"{layers.Count} layers but {delta.Count} deltas");
        if (!double.IsFinite(alpha)) throw new ArgumentException("α must be a finite number");
        var result = styles.Select(s => s.alias()).ToList();
        for (int i = 0; i < layers.Count; i++)
        {
            var s = result[layers[i].Index];
            result[layers[i].Index] = s + alpha * delta[i].to(s.dtype).unsqueeze(0);
            s.Dispose();
        }
        return result;
    }
}
