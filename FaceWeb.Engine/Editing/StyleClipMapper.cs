// StyleCLIP latent mapper — Patashnik et al. 2021, §5. Port of orpatashnik/StyleCLIP mapper/latent_mappers.py
// (LevelsMapper); field names equal the checkpoint's `mapper.*` keys.
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Generators.StyleGan2;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Editing;

/// <summary>PixelNorm + 4 × EqualLinear(lr_mul 0.01, fused lrelu): key prefix <c>mapping.N</c>.</summary>
public sealed class StyleClipSubMapper : nn.Module<Tensor, Tensor>
{
    readonly Sequential mapping;

    public StyleClipSubMapper(int dim) : base(nameof(StyleClipSubMapper))
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)> { ("0", new PixelNorm()) };
        for (int i = 1; i <= 4; i++) layers.Add((i.ToString(), new EqualLinear(dim, dim, lrMul: 0.01, activate: true)));
        mapping = nn.Sequential(layers.ToArray());
        register_module(nameof(mapping), mapping);
    }

    // [N,rows,D]; as in the reference, PixelNorm normalises over dim 1 (the rows of the group).
    public override Tensor forward(Tensor x) => mapping.forward(x);
}

/// <summary>w′ = w + strength·0.1·M(w); coarse rows 0–3, medium 4–7, fine 8+; a group may be absent (its delta is 0).</summary>
public sealed class StyleClipMapper : nn.Module<Tensor, Tensor>
{
    readonly StyleClipSubMapper? course_mapping, medium_mapping, fine_mapping;   // "course" is the reference's spelling

    public StyleClipMapper(int dim, bool coarse = true, bool medium = true, bool fine = true) : base(nameof(StyleClipMapper))
    {
        if (coarse) register_module(nameof(course_mapping), course_mapping = new StyleClipSubMapper(dim));
        if (medium) register_module(nameof(medium_mapping), medium_mapping = new StyleClipSubMapper(dim));
        if (fine) register_module(nameof(fine_mapping), fine_mapping = new StyleClipSubMapper(dim));
        eval();
    }

    /// <summary>Loads a mapper file: StyleCLIP's checkpoint ({'state_dict': {'mapper.*', 'decoder.*'}, 'opts'}) or FaceWeb's
    /// safetensors (<c>mapper.*</c>).</summary>
    public static StyleClipMapper Load(string path)
    {
        using var sd = CheckpointReader.Load(path);
        return Load(sd, sd.Keys.Any(k => k.StartsWith("state_dict.mapper.", StringComparison.Ordinal)) ? "state_dict.mapper" : "mapper");
    }

    /// <summary>Loads <c>mapper.*</c> from a StyleCLIP checkpoint ({'state_dict': {...}, 'opts': {...}}).</summary>
    public static StyleClipMapper Load(StateDict sd, string prefix = "state_dict.mapper")
    {
        var m = sd.Under(prefix);
        bool has(string g) => m.Keys.Any(k => k.StartsWith(g + ".", StringComparison.Ordinal));
        var first = m.Keys.First(k => k.EndsWith("mapping.1.weight", StringComparison.Ordinal));
        var mapper = new StyleClipMapper((int)m[first].shape[1], has("course_mapping"), has("medium_mapping"), has("fine_mapping"));
        StrictLoader.Load(mapper, m, $"{sd.Source} ({prefix})");
        return mapper;
    }

    /// <summary>M(w): [N,L,D] W+ → [N,L,D] delta (before the 0.1 factor).</summary>
    public override Tensor forward(Tensor w)
    {
        using var scope = NewDisposeScope();
        long l = w.shape[1];
        Tensor Group(StyleClipSubMapper? m, long from, long to)
        {
            var rows = w[.., TensorIndex.Slice(from, Math.Min(to, l))];
            return m is null ? zeros_like(rows) : m.forward(rows);
        }
        var parts = new List<Tensor> { Group(course_mapping, 0, 4), Group(medium_mapping, 4, 8) };
        if (l > 8) parts.Add(Group(fine_mapping, 8, l));
        return cat(parts, 1).MoveToOuterDisposeScope();
    }

    /// <summary>w′ = w + strength · 0.1 · M(w) (StyleCLIP's inference; strength 1 reproduces it).</summary>
    public Tensor Edit(Tensor w, double strength = 1)
    {
        using var scope = NewDisposeScope();
        return (w + strength * 0.1 * forward(w)).MoveToOuterDisposeScope();
    }
}
