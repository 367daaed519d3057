// InterFaceGAN — Shen et al., "Interpreting the Latent Space of GANs for Semantic Face Editing" (CVPR 2020), §2–3.
// The editing arithmetic of genforce/interfacegan utils/manipulator.py (project_boundary, linear_interpolate).
using static TorchSharp.torch;

namespace FaceWeb.Engine.Editing;

public static class InterFaceGan
{
    /// <summary>Conditional manipulation (§2.2): remove from the unit normal <paramref name="primal"/> [1,D] its
    /// components along the condition normals, so moving along the result leaves those attributes unchanged; renormalise.
    /// One condition: n − (n·c)c. Two: the exact 2×2 solution. More: least squares (solve CᵀC x = Cᵀn).</summary>
    public static Tensor ProjectBoundary(Tensor primal, params Tensor[] conditions)
    {
        CheckNormal(primal, "primal", primal.shape[1]);
        foreach (var c in conditions) CheckNormal(c, "condition", primal.shape[1]);
        if (conditions.Length == 0) return primal.alias();
        using var scope = NewDisposeScope();
        var p = primal.to(float64);
        Tensor projected;
        if (conditions.Length == 1)
        {
            var c = conditions[0].to(float64);
            projected = p - p.matmul(c.t()) * c;
        }
        else if (conditions.Length == 2)
        {
            var (c1, c2) = (conditions[0].to(float64), conditions[1].to(float64));
            var p1 = p.matmul(c1.t()); var p2 = p.matmul(c2.t()); var c12 = c1.matmul(c2.t());
            var denominator = 1 - c12.square() + 1e-8;
            var alpha = (p1 - p2 * c12) / denominator;
            var beta = (p2 - p1 * c12) / denominator;
            projected = p - alpha * c1 - beta * c2;
        }
        else
        {
            var c = cat(conditions.Select(x => x.to(float64)).ToArray(), 0);   // [K,D]
            var x = linalg.solve(c.matmul(c.t()), c.matmul(p.t()));              // [K,1]
            projected = p - x.t().matmul(c);
        }
        return (projected / projected.norm()).to(primal.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Moves a latent along a boundary normal (§2.1). Z / W [1,D]: to signed distances
    /// linspace(start, end, steps) from the hyperplane → [steps,D]. W+ [1,L,D]: adds linspace·n to every row → [steps,L,D].</summary>
    public static Tensor LinearInterpolate(Tensor latent, Tensor boundary, double start = -3, double end = 3, int steps = 10)
    {
        if (latent.shape[0] != 1) throw new ArgumentException("interpolate one latent at a time ([1,D] or [1,L,D])");
        CheckNormal(boundary, "boundary", latent.shape[^1]);
        if (!double.IsFinite(start) || !double.IsFinite(end) || steps < 1) throw new ArgumentException("start, end must be finite and steps ≥ 1");
        using var scope = NewDisposeScope();
        var distances = linspace(start, end, steps, dtype: float64);
        var b = boundary.to(float64);
        Tensor result = latent.dim() switch
        {
            2 => latent.to(float64) + (distances - latent.to(float64).matmul(b.t())).view(-1, 1) * b,
            3 => latent.to(float64) + distances.view(-1, 1, 1) * b.view(1, 1, -1),
            _ => throw new ArgumentException($"latent must be [1,D] or [1,L,D], got [{string.Join(",", latent.shape)}]"),
        };
        return result.to(latent.dtype).MoveToOuterDisposeScope();
    }

    static void CheckNormal(Tensor n, string what, long width)
    {
        if (n.dim() != 2 || n.shape[0] != 1 || n.shape[1] != width)
            throw new ArgumentException($"{what} must be [1,{width}], got [{string.Join(",", n.shape)}]");
        if (!n.isfinite().all().item<bool>()) throw new ArgumentException($"{what} contains NaN or infinite values");
    }
}
