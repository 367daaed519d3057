// Precompute of StyleCLIP's channel directions fs3 (Patashnik et al. 2021 §6): for every manipulable StyleSpace
// channel, the mean normalised change of the image embedding when that channel moves from mean−α·σ to mean+α·σ.
// Resumable: finished channels are written to a progress file after every block, and a later run continues there.
// Files record the image weights' SHA-256, so neither a resume nor an extension mixes two image towers.
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Editing;

public sealed record Fs3Options(int Images = 100, double Alpha = 5, long Seed = 0, int MaxResolution = 128, int ChannelsPerBlock = 16);

/// <summary>fs3 [C,E] (unit rows) with what it is the direction of: Lengths [C], the length of the mean over the images of
/// each image's unit change, and the number of Images. Their product is the mean itself, so more images can be added
/// later without running these again (<see cref="Fs3Job.Extend"/>).</summary>
public sealed record Fs3Mean(Tensor Fs3, Tensor Lengths, int Images) : IDisposable
{
    public void Dispose() { Fs3.Dispose(); Lengths.Dispose(); }

    /// <summary>The pack's fs3 file: <c>fs3</c> [C,E] and <c>lengths</c> [C]; the space, the image weights' SHA-256
    /// (when <paramref name="space"/> knows it), images, α and seed as metadata.</summary>
    public void Save(string path, ITextImageSpace space, Fs3Options o)
    {
        var meta = new Dictionary<string, string>
        {
            ["space"] = space.Name, ["images"] = Invariant(Images), ["alpha"] = Invariant(o.Alpha), ["seed"] = Invariant(o.Seed),
        };
        if (space.ImageWeightsSha256 is { } tower) meta[Fs3Job.ImageWeightsKey] = tower;
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["fs3"] = Fs3, ["lengths"] = Lengths }, meta);
    }

    /// <summary>The fs3 in <paramref name="path"/> when <see cref="Fs3Job.Extend"/> can add images to it for
    /// <paramref name="o"/>: same text–image space and image weights, α and seed, fewer images than asked, and its
    /// lengths stored (files written before FaceWeb kept them cannot be extended). Otherwise null, and
    /// <paramref name="why"/> says why.</summary>
    public static Fs3Mean? LoadExtendable(string path, ITextImageSpace space, Fs3Options o, out string why)
    {
        var t = SafeTensors.Load(path, out var meta);
        int images = int.TryParse(meta.GetValueOrDefault("images"), System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;
        why = !t.ContainsKey("fs3") || !t.ContainsKey("lengths") ? "it does not store the lengths it needs to be extended"
            : meta.GetValueOrDefault("space") != space.Name ? $"it was computed in another text–image space ({meta.GetValueOrDefault("space")})"
            : Fs3Job.OtherImageWeights(meta, space) is { } other ? other
            : meta.GetValueOrDefault("alpha") != Invariant(o.Alpha) || meta.GetValueOrDefault("seed", "0") != Invariant(o.Seed) ? "it was computed with another α or seed"
            : images <= 0 || images >= o.Images ? $"it already averages {images} images"
            : "";
        if (why != "") { foreach (var x in t.Values) x.Dispose(); return null; }
        return new Fs3Mean(t["fs3"], t["lengths"], images);
    }

    static string Invariant(IFormattable v) => v.ToString(null, System.Globalization.CultureInfo.InvariantCulture);
}

public static class Fs3Job
{
    /// <summary>Metadata key of the image weights' SHA-256 in fs3 and progress files.</summary>
    public const string ImageWeightsKey = "image_weights_sha256";

    /// <summary>Null when the file's metadata names the same image weights as <paramref name="space"/> (or neither
    /// names any: spaces built in memory); otherwise why they differ. Two towers' fs3 must never be mixed, even in the
    /// same text space.</summary>
    internal static string? OtherImageWeights(IReadOnlyDictionary<string, string> meta, ITextImageSpace space)
    {
        string? recorded = meta.GetValueOrDefault(ImageWeightsKey), current = space.ImageWeightsSha256;
        return string.Equals(recorded, current, StringComparison.OrdinalIgnoreCase) ? null
            : recorded is null ? "it does not record which image weights computed it"
            : $"it was computed through other image weights (SHA-256 {recorded[..Math.Min(12, recorded.Length)]}…, this space's are {(current is null ? "unknown" : current[..Math.Min(12, current.Length)] + "…")})";
    }

    /// <summary>The layers StyleCLIP manipulates: non-ToRGB, up to <paramref name="maxResolution"/> px (all for smaller generators).</summary>
    public static IReadOnlyList<StyleLayer> ManipulableLayers(StyleGan2Generator g, int maxResolution = 128) =>
        g.Layers.Where(l => !l.IsToRgb && l.Resolution <= maxResolution).ToList();

    /// <summary>Runs (or resumes from <paramref name="progressFile"/>) and returns fs3 [C,E]. Cancellation leaves the
    /// progress file consistent; running again continues from the last finished block with identical results.</summary>
    public static Tensor Run(StyleGan2Generator g, ITextImageSpace space, StyleSpaceStats stats, Fs3Options o, string progressFile,
        IProgress<double>? progress = null, CancellationToken ct = default)
    {
        var m = Extend(g, space, stats, o, progressFile, null, progress, ct);
        m.Lengths.Dispose();
        return m.Fs3;
    }

    /// <summary>fs3 over <see cref="Fs3Options.Images"/> images, reusing <paramref name="start"/> (fs3 over the first
    /// <see cref="Fs3Mean.Images"/> of the same images, same α and seed) so that only the images after those are run:
    /// the paper's 100 images can be reached in several sittings. Resumable like <see cref="Run"/>; the result equals
    /// one run over all the images up to float rounding.</summary>
    public static Fs3Mean Extend(StyleGan2Generator g, ITextImageSpace space, StyleSpaceStats stats, Fs3Options o, string progressFile,
        Fs3Mean? start, IProgress<double>? progress = null, CancellationToken ct = default)
    {
        int first = start?.Images ?? 0;
        if (first >= o.Images) throw new ArgumentException($"fs3 already averages {first} images: ask for more than that to add any");
        var layers = ManipulableLayers(g, o.MaxResolution);
        var channels = layers.SelectMany(l => Enumerable.Range(0, l.Channels).Select(c => (Layer: l, Channel: c))).ToList();
        if (start is not null && (start.Fs3.dim() != 2 || start.Fs3.shape[0] != channels.Count || start.Fs3.shape[1] != space.EmbedDim))
            throw new ArgumentException($"the fs3 to extend is [{string.Join(",", start.Fs3.shape)}], this generator and space need [{channels.Count},{space.EmbedDim}]");
        var rows = LoadProgress(progressFile, space, channels.Count, first, o.Images);   // per channel: Σ over the new images of unit changes [E]
        using var _ = no_grad();
        using var baseStyles = new DisposableList(BaseStyles(g, o, first));     // per layer [K,C_k], the new images only
        SynthesisState? paused = null;                                           // the new images up to the current channel's layer
        try
        {
            while (rows.Count < channels.Count)
            {
                ct.ThrowIfCancellationRequested();
                using (var scope = NewDisposeScope())
                {
                    foreach (var (layer, c) in channels.Skip(rows.Count).Take(o.ChannelsPerBlock))
                    {
                        if (paused?.Next != layer.Index)
                        {
                            paused?.Dispose();
                            paused = g.SynthesizeUntil(baseStyles.Items, layer.Index);
                            paused.X.MoveToOuterDisposeScope();
                            paused.Skip?.MoveToOuterDisposeScope();
                        }
                        var f = ChannelEmbeddings(g, space, stats, baseStyles.Items, paused, layer, c, o);   // [1,K,2,E]
                        rows.Add(GlobalDirections.UnitChanges(f)[0].sum([0]).MoveToOuterDisposeScope());
                    }
                }
                SaveProgress(progressFile, space, rows, channels.Count, first, o.Images);
                progress?.Report((double)rows.Count / channels.Count);
            }
        }
        finally { paused?.Dispose(); }
        using var sums = NewDisposeScope();
        var sum = stack(rows, 0);                                                // [C,E]
        foreach (var r in rows) r.Dispose();
        if (start is not null) sum = sum + start.Fs3.to(sum.device) * start.Lengths.to(sum.device).unsqueeze(1) * first;
        var mean = sum / o.Images;
        return new Fs3Mean(nn.functional.normalize(mean, dim: -1).MoveToOuterDisposeScope(), mean.square().sum([-1]).sqrt().MoveToOuterDisposeScope(), o.Images);
    }

    /// <summary>The styles of images <paramref name="first"/>..Images−1 of the seeded set (rows of one draw, so a
    /// later, larger set starts with the same images).</summary>
    static List<Tensor> BaseStyles(StyleGan2Generator g, Fs3Options o, int first)
    {
        using var scope = NewDisposeScope();
        var z = EngineDevice.SeededNormal([o.Images, g.Config.StyleDim], new Generator((ulong)o.Seed), g.Device);
        return g.Styles(g.WPlusFromZ(z[TensorIndex.Slice(first, o.Images)])).Select(s => s.MoveToOuterDisposeScope()).ToList();
    }

    /// <summary>Embeddings of the K images with channel c at −α·σ and at +α·σ, run from <paramref name="paused"/>
    /// (the images before <paramref name="layer"/>, which the move does not change). → [1,K,2,E]</summary>
    static Tensor ChannelEmbeddings(StyleGan2Generator g, ITextImageSpace space, StyleSpaceStats stats, IReadOnlyList<Tensor> baseStyles,
        SynthesisState paused, StyleLayer layer, int c, Fs3Options o)
    {
        long k = baseStyles[0].shape[0];
        float mean = stats.Mean[layer.Index][c].item<float>(), std = stats.Std[layer.Index][c].item<float>();
        var styles = baseStyles.Select(s => cat([s, s], 0)).ToList();      // rows 0..K−1: −α·σ, K..2K−1: +α·σ
        var moved = styles[layer.Index].clone();
        moved[TensorIndex.Slice(0, k), c] = tensor(mean - (float)o.Alpha * std);
        moved[TensorIndex.Slice(k, 2 * k), c] = tensor(mean + (float)o.Alpha * std);
        styles[layer.Index] = moved;
        var both = new SynthesisState(cat([paused.X, paused.X], 0), paused.Skip is null ? null : cat([paused.Skip, paused.Skip], 0), paused.Next);
        var emb = space.EmbedImages(g.SynthesizeFrom(both, styles));       // [2K,E]
        return stack([emb[TensorIndex.Slice(0, k)], emb[TensorIndex.Slice(k, 2 * k)]], 1).unsqueeze(0);
    }

    static List<Tensor> LoadProgress(string path, ITextImageSpace space, int total, int first, int images)
    {
        if (!File.Exists(path)) return [];
        var t = SafeTensors.Load(path, out var meta);
        string? why = !t.TryGetValue("fs3_partial", out var done) || done.dim() != 2 || done.shape[1] != space.EmbedDim ||
            meta.GetValueOrDefault("total") != Invariant(total) || meta.GetValueOrDefault("first") != Invariant(first) ||
            meta.GetValueOrDefault("images") != Invariant(images)
            ? "it belongs to another generator, text–image space or set of images"
            : OtherImageWeights(meta, space);
        if (why is not null || done is null)
        {
            foreach (var x in t.Values) x.Dispose();
            throw new CheckpointException($"{path}: the progress file cannot be resumed: {why}; delete it to start over.");
        }
        using (done) return Enumerable.Range(0, (int)done.shape[0]).Select(i => done[i].clone()).ToList();
    }

    static void SaveProgress(string path, ITextImageSpace space, List<Tensor> rows, int total, int first, int images)
    {
        using var done = stack(rows, 0);
        var meta = new Dictionary<string, string> { ["total"] = Invariant(total), ["first"] = Invariant(first), ["images"] = Invariant(images) };
        if (space.ImageWeightsSha256 is { } tower) meta[ImageWeightsKey] = tower;
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["fs3_partial"] = done }, meta);
    }

    static string Invariant(int v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    sealed class DisposableList(List<Tensor> items) : IDisposable
    {
        public List<Tensor> Items { get; } = items;
        public void Dispose() { foreach (var t in Items) t.Dispose(); }
    }
}
