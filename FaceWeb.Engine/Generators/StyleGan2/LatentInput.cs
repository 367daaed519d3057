using FaceWeb.Engine.Checkpoints;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Generators.StyleGan2;

/// <summary>Picks and validates the latent in a tensor file: exactly one of z [N,D], w [N,D], wplus [N,L,D].</summary>
public static class LatentInput
{
    public static (string Kind, Tensor Latent) Select(IReadOnlyDictionary<string, Tensor> tensors, string source, StyleGan2Config config)
    {
        var present = new[] { "z", "w", "wplus" }.Where(tensors.ContainsKey).ToList();
        if (present.Count != 1)
            throw new CheckpointException(present.Count == 0
                ? $"{source}: no latent found; expected a tensor named z, w or wplus (found: {string.Join(", ", tensors.Keys.Take(8))})."
                : $"{source}: holds {string.Join(" and ", present)}; give exactly one of z, w, wplus.");
        string kind = present[0];
        var t = tensors[kind];
        if (!t.is_floating_point()) throw new CheckpointException($"{source}: '{kind}' must be floating point, got {t.dtype}.");
        long d = config.StyleDim, l = config.NLatent;
        bool ok = kind == "wplus" ? t.dim() == 3 && t.shape[1] == l && t.shape[2] == d : t.dim() == 2 && t.shape[1] == d;
        if (!ok || t.shape[0] == 0)
            throw new CheckpointException($"{source}: '{kind}' has shape [{string.Join(",", t.shape)}]; this generator needs " +
                (kind == "wplus" ? $"[N,{l},{d}]" : $"[N,{d}]") + ".");
        var f = t.to(float32);
        if (!f.isfinite().all().item<bool>())
            throw new CheckpointException($"{source}: '{kind}' contains NaN or infinite values.");
        return (kind, f);
    }
}
