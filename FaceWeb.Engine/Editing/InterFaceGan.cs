// InterFaceGAN — Shen et al., "Interpreting the Latent Space of GANs for Semantic Face Editing" (CVPR 2020), §2–3.
// The editing arithmetic of genforce/interfacegan utils/manipulator.py (project_boundary, linear_interpolate).
using FaceWeb.Engine.Generators.StyleGan2;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Editing;

/// <summary>A learned or loaded attribute direction: a unit normal [1,D] in Z or W, or a W+ direction [1,L,D].</summary>
public sealed record AttributeDirection(string Name, Tensor Normal, LatentSpace Space, double? ValidationAccuracy = null);

/// <summary>Which W+ rows a slider moves: StyleGAN's coarse (rows 0–3), middle (4–7) and fine (8+) styles (Karras et al. 2019 §3.1).</summary>
[Flags]
public enum LayerGroups { None = 0, Coarse = 1, Middle = 2, Fine = 4, All = Coarse | Middle | Fine }

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
        double left = projected.norm().item<double>();
        if (!(left > 1e-4)) throw new ArgumentException("the primal boundary is (almost) parallel to the conditions; nothing is left to move along");
        return (projected / left).to(primal.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Moves a latent along a boundary normal (§2.1). Z / W [1,D]: to signed distances
    /// linspace(start, end, steps) from the hyperplane → [steps,D]. W+ [1,L,D]: adds linspace·n to every row → [steps,L,D].</summary>
    public static Tensor LinearInterpolate(Tensor latent, Tensor boundary, double start = -3, double end = 3, int steps = 10)
    {
        if (latent.shape[0] != 1) throw new ArgumentException("interpolate one latent at a time ([1,D] or [1,L,D])");
        CheckNormal(boundary, "boundary", latent.shape[^1]);
        if (!double.IsFinite(start) || !double.IsFinite(end) || steps < 1) throw new ArgumentException("start, end must be finite and steps ≥ 1");
        using var scope = NewDisposeScope();
        var distances = linspace(start, end, steps, dtype: float64, device: latent.device);
        var b = boundary.to(float64);
        Tensor result = latent.dim() switch
        {
            2 => latent.to(float64) + (distances - latent.to(float64).matmul(b.t())).view(-1, 1) * b,
            3 => latent.to(float64) + distances.view(-1, 1, 1) * b.view(1, 1, -1),
            _ => throw new ArgumentException($"latent must be [1,D] or [1,L,D], got [{string.Join(",", latent.shape)}]"),
        };
        return result.to(latent.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Attribute sliders on one seed: z [1,D] → edited W+ [1,L,D] at truncation ψ. Each move adds α·n′ where n′ is
    /// its normal projected off the kept-fixed attributes of the same space (conditional manipulation, §2.2).
    /// Z moves are applied to z before mapping (then only the chosen rows take the result); W moves add to the chosen rows.</summary>
    public static Tensor Sliders(StyleGan2Generator g, Tensor z, double psi, IReadOnlyList<(AttributeDirection Direction, double Alpha)> moves,
        IReadOnlyList<AttributeDirection> keepFixed, LayerGroups rows)
    {
        CheckMoves(g, moves, keepFixed);
        using var scope = NewDisposeScope();
        var mask = RowMask(rows, g.Config.NLatent, g.Device).view(1, g.Config.NLatent, 1);
        var w = g.WPlusFromZ(z, psi);                                                  // [1,L,D]
        var zMoves = moves.Where(m => m.Direction.Space == LatentSpace.Z && m.Alpha != 0).ToList();
        if (zMoves.Count > 0)
        {
            var edited = z.to(float32);
            foreach (var (dir, alpha) in zMoves) edited = edited + alpha * Conditioned(dir, keepFixed);
            w = w + mask * (g.WPlusFromZ(edited, psi) - w);
        }
        return AddWMoves(w, moves, keepFixed, mask).MoveToOuterDisposeScope();
    }

    /// <summary>Sliders on any W+ start [N,L,D] (an inverted or optimised latent: no z exists, so only W moves apply).</summary>
    public static Tensor Sliders(StyleGan2Generator g, Tensor wplus, IReadOnlyList<(AttributeDirection Direction, double Alpha)> moves,
        IReadOnlyList<AttributeDirection> keepFixed, LayerGroups rows)
    {
        int l = g.Config.NLatent, d = g.Config.StyleDim;
        if (wplus.dim() != 3 || wplus.shape[0] < 1 || wplus.shape[1] != l || wplus.shape[2] != d)
            throw new ArgumentException($"the start must be W+ latents [N,{l},{d}]");
        var z = moves.FirstOrDefault(m => m.Direction.Space == LatentSpace.Z && m.Alpha != 0);
        if (z.Direction is not null) throw new ArgumentException($"'{z.Direction.Name}' is a Z-space slider; it needs a seed's z, not a W+ latent");
        CheckMoves(g, moves, keepFixed);
        using var scope = NewDisposeScope();
        return AddWMoves(wplus.clone(), moves, keepFixed, RowMask(rows, l, wplus.device).view(1, l, 1)).MoveToOuterDisposeScope();
    }

    static void CheckMoves(StyleGan2Generator g, IReadOnlyList<(AttributeDirection Direction, double Alpha)> moves, IReadOnlyList<AttributeDirection> keepFixed)
    {
        int l = g.Config.NLatent, d = g.Config.StyleDim;
        foreach (var (dir, alpha) in moves)
        {
            if (!double.IsFinite(alpha)) throw new ArgumentException($"the value of '{dir.Name}' must be a finite number");
            CheckDirection(dir, l, d);
        }
        foreach (var c in keepFixed) CheckDirection(c, l, d);
    }

    // w + Σ mask·α·n′ over the W moves ([1,D] normals on every masked row, [1,L,D] directions row by row).
    static Tensor AddWMoves(Tensor w, IReadOnlyList<(AttributeDirection Direction, double Alpha)> moves, IReadOnlyList<AttributeDirection> keepFixed, Tensor mask)
    {
        foreach (var (dir, alpha) in moves.Where(m => m.Direction.Space == LatentSpace.W && m.Alpha != 0))
        {
            var n = Conditioned(dir, keepFixed);
            w = w + mask * (alpha * (n.dim() == 2 ? n.view(1, 1, -1) : n));
        }
        return w;
    }

    /// <summary>[L] 1 for the rows of the chosen groups, 0 elsewhere, on <paramref name="device"/> (default CPU).</summary>
    public static Tensor RowMask(LayerGroups groups, int nLatent, Device? device = null)
    {
        if (groups == LayerGroups.None) throw new ArgumentException("choose at least one layer group (coarse, middle or fine)");
        var m = new float[nLatent];
        for (int i = 0; i < nLatent; i++)
            m[i] = groups.HasFlag(i < 4 ? LayerGroups.Coarse : i < 8 ? LayerGroups.Middle : LayerGroups.Fine) ? 1 : 0;
        return tensor(m, device: device);
    }

    static Tensor Conditioned(AttributeDirection dir, IReadOnlyList<AttributeDirection> keepFixed)
    {
        var conditions = keepFixed.Where(c => c.Name != dir.Name && c.Space == dir.Space).ToList();
        if (conditions.Count == 0) return dir.Normal;
        if (dir.Normal.dim() != 2 || conditions.Any(c => c.Normal.dim() != 2))
            throw new ArgumentException($"keeping attributes fixed needs [1,D] boundaries; '{dir.Name}' or a kept attribute is a W+ direction");
        try { return ProjectBoundary(dir.Normal, conditions.Select(c => c.Normal).ToArray()); }
        catch (ArgumentException) { throw new ArgumentException($"'{dir.Name}' is (almost) parallel to the attributes kept fixed; nothing is left to move along"); }
    }

    static void CheckDirection(AttributeDirection dir, int l, int d)
    {
        var s = dir.Normal.shape;
        bool ok = dir.Normal.dim() == 2 ? s[0] == 1 && s[1] == d
                : dir.Normal.dim() == 3 && dir.Space == LatentSpace.W && s[0] == 1 && s[1] == l && s[2] == d;
        if (!ok) throw new ArgumentException($"'{dir.Name}' has shape [{string.Join(",", s)}]; this generator needs [1,{d}]" +
            (dir.Space == LatentSpace.W ? $" or [1,{l},{d}]" : "") + $" in {dir.Space}");
        if (!EngineDevice.AllFinite(dir.Normal)) throw new ArgumentException($"'{dir.Name}' contains NaN or infinite values");
    }

    static void CheckNormal(Tensor n, string what, long width)
    {
        if (n.dim() != 2 || n.shape[0] != 1 || n.shape[1] != width)
            throw new ArgumentException($"{what} must be [1,{width}], got [{string.Join(",", n.shape)}]");
        if (!EngineDevice.AllFinite(n)) throw new ArgumentException($"{what} contains NaN or infinite values");
    }
}
