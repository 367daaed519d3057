// Text → face by attributes: the caption is read in the pack's text space (which of the built-in sliders' attributes it
// names, and which way), and the start latent is set to that side of each one along its InterFaceGAN normal (Shen et al.
// 2020, §2.1–2.2: linear moves in W keep the face on the generator's manifold; several attributes at once by the
// least-norm move that reaches every target, so setting one does not undo another). Nothing is optimised against the
// image tower, so there is nothing adversarial to find (issue 18). Only attributes whose reading was checked are read:
// gender, age and smile (docs/decisions/0014-text-to-face-by-attributes.md); the seed carries the rest. Old and young ages,
// which the slider does not reach, are taken further by the pack's "old person" StyleCLIP mapper when it has one, forwards
// for old and half-strength backwards for young (a W+ → W+ move).
using static TorchSharp.torch;

namespace FaceWeb.Engine.Editing;

/// <summary>A slider attribute a caption names: its slider, the target in standard deviations of the pack's samples
/// along the slider's normal, and the reading's margin (how clearly the text said it). <paramref name="Mapper"/>: a StyleCLIP
/// mapper that takes the attribute further than the slider can, applied after it when the pack has one.</summary>
public sealed record CaptionAttribute(string Slider, double Target, double Margin, string? Mapper = null, double MapperStrength = 0);

public static class CaptionAttributes
{
    /// <summary>Binary attributes: slider name, wordings for and against, the margin a caption's score needs to count, and
    /// the targets (σ) for a caption that says it and one that denies it. The score is the closest wording for minus the
    /// closest against, each measured as the caption's similarity beyond "a photo of a face"'s: a caption names one
    /// expression ("frowning", "serious"), and an average over the others drowned it (ADR 0014: chosen on
    /// <c>TextToFaceCheck.ReadingCaptions</c>). Men go further than women: on the male slider that keeps the face's
    /// colour, men need +4σ to read as men next to a young or old move, women −1.5σ (ADR 0014's last addendum).</summary>
    static readonly (string Slider, string[] For, string[] Against, double Margin, double On, double Off)[] Binary =
    [
        ("male", ["a photo of a man", "a man"], ["a photo of a woman", "a woman"], 0.10, 4.0, -1.5),
        ("smiling", ["a photo of a smiling person", "a photo of a grinning person"],
            ["a photo of a serious person", "a photo of a frowning person", "a photo of a person with a blank expression"], 0.08, 4.0, -4.0),
    ];

    /// <summary>Age: prompts per UTKFace bucket, the target (σ along the age slider) of each, and a mapper for the ages
    /// the slider does not reach ("old person" forwards for old, backwards at half strength for young: ADR 0014's addenda).
    /// On the views tower's sliders, kept off the face's brightness, +3σ is 37 years by face-api.js, where the first
    /// sliders needed +10σ for 41. Old is the mapper's more than the slider's: every face is set to the samples' mean
    /// age (0σ) and the mapper then ages it at 1.5× (ADR 0014's last addendum: old faces read as old 50 → 67 % on seeds
    /// 0–2, the age row 59 → 64 %; further along the slider first costs faces the detector finds).</summary>
    static readonly (string Bucket, string Prompt, double Target, string? Mapper, double Strength)[] Ages =
    [
        ("child", "a photo of a child", -8, "old person", -0.5), ("young", "a photo of a young adult", -6, "old person", -0.5),
        ("middle", "a photo of a middle-aged person", 2, null, 0), ("old", "a photo of an old person", 0, "old person", 1.5),
    ];

    /// <summary>The target (σ along the age slider) a caption naming <paramref name="bucket"/> (child, young, middle, old) is set to.</summary>
    public static double AgeTarget(string bucket) => Ages.Single(a => a.Bucket == bucket).Target;

    /// <summary>The target (σ) a caption that says (<paramref name="on"/>) or denies a binary attribute (<c>male</c>, <c>smiling</c>) is set to.</summary>
    public static double BinaryTarget(string slider, bool on)
    {
        var b = Binary.Single(b => b.Slider == slider);
        return on ? b.On : b.Off;
    }

    /// <summary>The sliders a caption is read for.</summary>
    public static IReadOnlyList<string> Sliders { get; } = [.. Binary.Select(b => b.Slider), "age"];

    /// <summary>Each bucket's prompt is scored as the caption's similarity beyond "a photo of a face"'s (so "middle-aged",
    /// which is close to any plain caption, is not read into captions that name no age); an age counts as said when the
    /// best bucket beats the second by <see cref="AgeMargin"/> and scores above <see cref="AgeFloor"/> (ADR 0014, chosen on
    /// <c>TextToFaceCheck.ReadingCaptions</c>: plain similarity read "middle-aged" into 11 of its 15 captions without an age).</summary>
    const double AgeMargin = 0.02, AgeFloor = -0.25;

    /// <summary>Every prompt a caption is compared with, in one list: "a photo of a face" (the reference), each binary
    /// attribute's prompts for and against, the age buckets' prompts. Embed them once (<see cref="Read(Tensor, Tensor, IReadOnlySet{string})"/>).</summary>
    public static IReadOnlyList<string> Prompts { get; } =
        [Reference, .. Binary.SelectMany(b => b.For.Concat(b.Against)), .. Ages.Select(a => a.Prompt)];

    const string Reference = "a photo of a face";

    /// <summary>The attributes <paramref name="caption"/> names among <paramref name="sliders"/> (W-space sliders only),
    /// embedding the caption and <see cref="Prompts"/> in one call.</summary>
    public static List<CaptionAttribute> Read(Func<IReadOnlyList<string>, Tensor> embed, string caption, IReadOnlySet<string> sliders)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var e = embed([caption.Trim(), .. Prompts]);                                              // [1+P,E]
        return Read(e[0], e[1..], sliders);
    }

    /// <summary>The same from embeddings: the caption's [E] and <see cref="Prompts"/>' [P,E], in that order.</summary>
    public static List<CaptionAttribute> Read(Tensor caption, Tensor prompts, IReadOnlySet<string> sliders)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var said = new List<CaptionAttribute>();
        var c = prompts.matmul(caption).to(float64).data<double>().ToArray();                    // caption · prompt, [P]
        var f = prompts.matmul(prompts[0]).to(float64).data<double>().ToArray();                 // reference · prompt
        int next = 1;
        double Closest(int from, int count) => Enumerable.Range(from, count).Max(i => c[i] - f[i]);
        foreach (var (slider, pro, con, margin, on, off) in Binary)
        {
            int p = next, q = next + pro.Length;
            next = q + con.Length;
            if (!sliders.Contains(slider)) continue;
            double score = Closest(p, pro.Length) - Closest(q, con.Length);
            if (Math.Abs(score) > margin) said.Add(new(slider, score > 0 ? on : off, Math.Abs(score)));
        }
        if (sliders.Contains("age"))
        {
            var sims = Enumerable.Range(next, Ages.Length).Select(i => c[i] - f[i]).ToArray();
            var order = Enumerable.Range(0, sims.Length).OrderByDescending(i => sims[i]).ToArray();
            double margin = sims[order[0]] - sims[order[1]];
            var age = Ages[order[0]];
            if (margin > AgeMargin && sims[order[0]] > AgeFloor) said.Add(new("age", age.Target, margin, age.Mapper, age.Strength));
        }
        return said;
    }

    /// <summary>Sets every named attribute of W+ latents [N,L,D] on all rows: the least-norm move Δ = Nᵀ(NNᵀ)⁻¹(t − Nw)
    /// that puts w's projection on each normal n_k at μ_k + target_k·σ_k (μ, σ of the pack's samples along n_k).</summary>
    public static Tensor Apply(Tensor wplus, IReadOnlyList<(Tensor Normal, double Mean, double Std, double Target)> moves)
    {
        if (moves.Count == 0) return wplus.clone();
        using var scope = NewDisposeScope();
        var n = cat(moves.Select(m => m.Normal.to(float64).view(1, -1)).ToList(), 0);            // [K,D]
        var t = tensor(moves.Select(m => m.Mean + m.Target * m.Std).ToArray(), float64, device: wplus.device);   // [K]
        var w = wplus.to(float64);
        var gap = t.view(1, 1, -1) - w.matmul(n.t());                                            // [N,L,K]
        var coef = linalg.solve(n.matmul(n.t()), gap.reshape(-1, moves.Count).t()).t();          // [N·L,K]
        var moved = w + coef.reshape(gap.shape).matmul(n);                                       // [N,L,D]
        return moved.to(wplus.dtype).MoveToOuterDisposeScope();
    }
}
