// Precompute of StyleCLIP's channel directions fs3 (Patashnik et al. 2021 §6): for every manipulable StyleSpace
// channel, the mean normalised change of the image embedding when that channel moves from mean−α·σ to mean+α·σ.
// Resumable: finished channels are written to a progress file after every block, and a later run continues there.
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Editing;

public sealed record Fs3Options(int Images = 100, double Alpha = 5, long Seed = 0, int MaxResolution = 128, int ChannelsPerBlock = 16);

public static class Fs3Job
{
    /// <summary>The layers StyleCLIP manipulates: non-ToRGB, up to <paramref name="maxResolution"/> px (all for smaller generators).</summary>
    public static IReadOnlyList<StyleLayer> ManipulableLayers(StyleGan2Generator g, int maxResolution = 128) =>
        g.Layers.Where(l => !l.IsToRgb && l.Resolution <= maxResolution).ToList();

    /// <summary>Runs (or resumes from <paramref name="progressFile"/>) and returns fs3 [C,E]. Cancellation leaves the
    /// progress file consistent; running again continues from the last finished block with identical results.</summary>
    public static Tensor Run(StyleGan2Generator g, ITextImageSpace space, StyleSpaceStats stats, Fs3Options o, string progressFile,
        IProgress<double>? progress = null, CancellationToken ct = default)
    {
        var layers = ManipulableLayers(g, o.MaxResolution);
        var channels = layers.SelectMany(l => Enumerable.Range(0, l.Channels).Select(c => (Layer: l, Channel: c))).ToList();
        var rows = LoadProgress(progressFile, channels.Count, space.EmbedDim);
        using var _ = no_grad();
        using var baseStyles = new DisposableList(BaseStyles(g, o));              // per layer [K,C_k]
        while (rows.Count < channels.Count)
        {
            ct.ThrowIfCancellationRequested();
            using (var scope = NewDisposeScope())
            {
                foreach (var (layer, c) in channels.Skip(rows.Count).Take(o.ChannelsPerBlock))
                {
                    var f = ChannelEmbeddings(g, space, stats, baseStyles.Items, layer, c, o);   // [1,K,2,E]
                    rows.Add(GlobalDirections.Fs(f)[0].MoveToOuterDisposeScope());
                }
            }
            SaveProgress(progressFile, rows, channels.Count);
            progress?.Report((double)rows.Count / channels.Count);
        }
        var fs3 = stack(rows, 0);
        foreach (var r in rows) r.Dispose();
        return fs3;
    }

    static List<Tensor> BaseStyles(StyleGan2Generator g, Fs3Options o)
    {
        using var scope = NewDisposeScope();
        var z = EngineDevice.SeededNormal([o.Images, g.Config.StyleDim], new Generator((ulong)o.Seed), g.Device);
        return g.Styles(g.WPlusFromZ(z)).Select(s => s.MoveToOuterDisposeScope()).ToList();
    }

    static Tensor ChannelEmbeddings(StyleGan2Generator g, ITextImageSpace space, StyleSpaceStats stats, IReadOnlyList<Tensor> baseStyles,
        StyleLayer layer, int c, Fs3Options o)
    {
        int k = o.Images;
        float mean = stats.Mean[layer.Index][c].item<float>(), std = stats.Std[layer.Index][c].item<float>();
        var styles = baseStyles.Select(s => cat([s, s], 0)).ToList();      // rows 0..K−1: −α·σ, K..2K−1: +α·σ
        var moved = styles[layer.Index].clone();
        moved[TensorIndex.Slice(0, k), c] = tensor(mean - (float)o.Alpha * std);
        moved[TensorIndex.Slice(k, 2 * k), c] = tensor(mean + (float)o.Alpha * std);
        styles[layer.Index] = moved;
        var emb = space.EmbedImages(g.SynthesizeStyles(styles));          // [2K,E]
        return stack([emb[TensorIndex.Slice(0, k)], emb[TensorIndex.Slice(k, 2 * k)]], 1).unsqueeze(0);
    }

    static List<Tensor> LoadProgress(string path, int total, int dim)
    {
        if (!File.Exists(path)) return [];
        var t = SafeTensors.Load(path, out var meta);
        if (!t.TryGetValue("fs3_partial", out var done) || done.dim() != 2 || done.shape[1] != dim ||
            meta.GetValueOrDefault("total") != total.ToString(System.Globalization.CultureInfo.InvariantCulture))
            throw new CheckpointException($"{path}: the progress file belongs to another generator or text–image space; delete it to start over.");
        return Enumerable.Range(0, (int)done.shape[0]).Select(i => done[i].clone()).ToList();
    }

    static void SaveProgress(string path, List<Tensor> rows, int total)
    {
        using var done = stack(rows, 0);
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["fs3_partial"] = done },
            new Dictionary<string, string> { ["total"] = total.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    sealed class DisposableList(List<Tensor> items) : IDisposable
    {
        public List<Tensor> Items { get; } = items;
        public void Dispose() { foreach (var t in Items) t.Dispose(); }
    }
}
