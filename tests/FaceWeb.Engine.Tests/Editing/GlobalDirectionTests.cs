using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>StyleCLIP global directions end to end on the fixture generator and the fixture CLIP.</summary>
public sealed class GlobalDirectionTests : IDisposable
{
    readonly StyleGan2Generator g = StyleGan2Generator.Load(Fixtures.File("stylegan2", "generator.pt"));
    readonly ClipSpace space = ClipSpace.Load(Fixtures.File("clip", "clip.safetensors"), Fixtures.File("clip", "bpe_simple_vocab_16e6.txt.gz"));
    readonly string tmp = Directory.CreateTempSubdirectory("faceweb-fs3-").FullName;
    static CancellationToken T => TestContext.Current.CancellationToken;
    static readonly Fs3Options Small = new(Images: 2, MaxResolution: 8, ChannelsPerBlock: 32);

    public void Dispose() { g.Dispose(); space.Dispose(); Directory.Delete(tmp, true); }

    [Fact]
    public void StyleSpace_stats_match_a_direct_computation()
    {
        using var stats = StyleSpaceStats.Compute(g, 300, seed: 5, batch: 128, ct: T);
        using var _ = no_grad();
        var s = g.Styles(g.Broadcast(g.Map(randn([300, 64], generator: new Generator(5)))));
        for (int k = 0; k < s.Count; k++)
        {
            Fixtures.AssertClose(s[k].mean([0]), stats.Mean[k], $"mean {k}");
            Fixtures.AssertClose(s[k].std([0], unbiased: false), stats.Std[k], $"std {k}", tol: 1e-3);
        }
        string path = Path.Combine(tmp, "stats.safetensors");
        stats.Save(path);
        using var back = StyleSpaceStats.Load(path, g);
        Fixtures.AssertClose(stats.Std[3], back.Std[3], "reloaded");
    }

    [Fact]
    public void Fs3_cancelled_and_resumed_equals_one_uninterrupted_run()
    {
        using var stats = StyleSpaceStats.Compute(g, 500, ct: T);
        using var whole = Fs3Job.Run(g, space, stats, Small, Path.Combine(tmp, "a.safetensors"), ct: T);
        Assert.Equal([192, 32], whole.shape);   // conv1, convs.0, convs.1: 3 × 64 channels; CLIP embed_dim 32

        string resumable = Path.Combine(tmp, "b.safetensors");
        using var cts = new CancellationTokenSource();
        var cancelAfterFirstBlock = new SyncProgress(_ => cts.Cancel());
        Assert.ThrowsAny<OperationCanceledException>(() => Fs3Job.Run(g, space, stats, Small, resumable, cancelAfterFirstBlock, cts.Token));
        var reports = new List<double>();
        using var resumed = Fs3Job.Run(g, space, stats, Small, resumable, new SyncProgress(reports.Add), T);
        Assert.Equal(32.0 / 192 * 2, reports[0], 6);                 // continued after the first finished block
        Assert.True(whole.eq(resumed).all().item<bool>());
        Fixtures.AssertClose(ones(192), whole.square().sum([1]).sqrt(), "rows are unit vectors");
    }

    [Fact]
    public void Larger_alpha_moves_clip_similarity_towards_the_target_monotonically()
    {
        using var stats = StyleSpaceStats.Compute(g, 500, ct: T);
        using var fs3 = Fs3Job.Run(g, space, stats, Small, Path.Combine(tmp, "c.safetensors"), ct: T);
        var target = space.EmbedTexts(["a smiling woman with blond hair"]);
        var neutral = space.EmbedTexts(["a face"]);
        var dt = GlobalDirections.Dt(target, neutral);
        var layers = Fs3Job.ManipulableLayers(g, Small.MaxResolution);
        var (delta, moved) = GlobalDirections.Boundary(fs3, dt, 0.0, layers.Select(l => stats.Std[l.Index]).ToList());
        Assert.Equal(192, moved);
        using var _ = no_grad();
        var baseStyles = g.Styles(g.Broadcast(g.Map(randn([4, 64], generator: new Generator(11)))));
        var scores = new List<double>();
        foreach (var alpha in new[] { 0.0, 1, 2, 3, 4 })
        {
            var img = g.SynthesizeStyles(StyleEdits.Apply(baseStyles, layers, delta, alpha));
            var e = space.EmbedImages(img);
            scores.Add(((e * target).sum(-1) - (e * neutral).sum(-1)).mean().item<float>());
        }
        for (int i = 1; i < scores.Count; i++)
            Assert.True(scores[i] > scores[i - 1], $"target − neutral similarity by α: {string.Join(", ", scores.Select(x => x.ToString("F4")))}");
    }

    sealed class SyncProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
