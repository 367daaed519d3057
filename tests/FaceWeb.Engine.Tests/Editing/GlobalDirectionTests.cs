using FaceWeb.Engine.Checkpoints;
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
    /// <summary>The 4 px layer only (conv1: 64 channels, two blocks): enough for the file-handling tests, a third of the work.</summary>
    static readonly Fs3Options Conv1 = Small with { MaxResolution = 4 };

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
        using var whole = Fs3Job.Run(g, space, stats, Conv1, Path.Combine(tmp, "a.safetensors"), ct: T);
        Assert.Equal([64, 32], whole.shape);    // conv1's 64 channels in two blocks; CLIP embed_dim 32 (all three layers: the α test below)

        string resumable = Path.Combine(tmp, "b.safetensors");
        using var cts = new CancellationTokenSource();
        var cancelAfterFirstBlock = new SyncProgress(_ => cts.Cancel());
        Assert.ThrowsAny<OperationCanceledException>(() => Fs3Job.Run(g, space, stats, Conv1, resumable, cancelAfterFirstBlock, cts.Token));
        var reports = new List<double>();
        using var resumed = Fs3Job.Run(g, space, stats, Conv1, resumable, new SyncProgress(reports.Add), T);
        Assert.Equal([1.0], reports);                                // continued after the first finished block: only the second ran
        Assert.True(whole.eq(resumed).all().item<bool>());
        Fixtures.AssertClose(ones(64), whole.square().sum([1]).sqrt(), "rows are unit vectors");
    }

    /// <summary>The paper's 100 images in several sittings: fs3 over 2 images, saved and extended to 4, is fs3 over the
    /// 4 in one run; a file that cannot be extended says why.</summary>
    [Fact]
    public void Fs3_extended_with_more_images_equals_one_run_over_all_of_them()
    {
        using var stats = StyleSpaceStats.Compute(g, 500, ct: T);
        var four = Conv1 with { Images = 4 };
        string file = Path.Combine(tmp, "fs3.safetensors");
        using (var two = Fs3Job.Extend(g, space, stats, Conv1, Path.Combine(tmp, "d.safetensors"), null, ct: T))
            two.Save(file, space, Conv1);
        using var start = Fs3Mean.LoadExtendable(file, space, four, out var why);
        Assert.True(start is not null, why);
        Assert.Equal(2, start.Images);
        using var extended = Fs3Job.Extend(g, space, stats, four, Path.Combine(tmp, "e.safetensors"), start, ct: T);
        using var direct = Fs3Job.Extend(g, space, stats, four, Path.Combine(tmp, "f.safetensors"), null, ct: T);
        Assert.Equal(4, extended.Images);
        Fixtures.AssertClose(direct.Fs3, extended.Fs3, "fs3 over 2 + 2 images against 4", tol: 2e-4);   // batches of other sizes round differently
        Fixtures.AssertClose(direct.Lengths, extended.Lengths, "lengths", tol: 2e-4);
        Assert.True((start.Fs3 - direct.Fs3).abs().max().item<float>() > 1e-2, "the two new images moved fs3");
        float longest = direct.Lengths.max().item<float>(), shortest = direct.Lengths.min().item<float>();
        Assert.True(longest <= 1 + 1e-5 && shortest > 0, $"a mean of unit vectors: lengths {shortest:F3}..{longest:F3}");

        Assert.Null(Fs3Mean.LoadExtendable(file, space, Conv1, out why));
        Assert.Equal("it already averages 2 images", why);
        Assert.Null(Fs3Mean.LoadExtendable(file, space, four with { Alpha = 3 }, out why));
        Assert.Contains("another α or seed", why);
        Assert.Null(Fs3Mean.LoadExtendable(file, new Relabelled(space, "another-space", space.ImageWeightsSha256), four, out why));
        Assert.Contains("another text–image space", why);
        string old = Path.Combine(tmp, "old.safetensors");
        SafeTensors.Save(old, new Dictionary<string, Tensor> { ["fs3"] = direct.Fs3 }, new Dictionary<string, string> { ["space"] = space.Name, ["images"] = "4", ["alpha"] = "5" });
        Assert.Null(Fs3Mean.LoadExtendable(old, space, four with { Images = 8 }, out why));
        Assert.Contains("lengths", why);
        Assert.Throws<ArgumentException>(() => Fs3Job.Extend(g, space, stats, Conv1, Path.Combine(tmp, "g.safetensors"), start, ct: T));
    }

    /// <summary>Two image towers can share a text space (FaceCLIP-mini's MiniLM side): an fs3 or a progress file made
    /// through one tower is neither extended nor resumed through another, nor when it does not say which made it.</summary>
    [Fact]
    public void Fs3_is_never_extended_or_resumed_through_other_image_weights()
    {
        using var stats = StyleSpaceStats.Compute(g, 500, ct: T);
        var four = Conv1 with { Images = 4 };
        string weights = ModelPack.Sha256Of(Fixtures.File("clip", "clip.safetensors"));
        Assert.Equal(weights, space.ImageWeightsSha256);
        var otherTower = new Relabelled(space, space.Name, new string('a', 64));

        string file = Path.Combine(tmp, "fs3.safetensors");
        using (var two = Fs3Job.Extend(g, space, stats, Conv1, Path.Combine(tmp, "p.safetensors"), null, ct: T))
            two.Save(file, space, Conv1);
        using (var t = new DisposableTensors(SafeTensors.Load(file, out var meta)))
            Assert.Equal(weights, meta[Fs3Job.ImageWeightsKey]);
        Assert.Null(Fs3Mean.LoadExtendable(file, otherTower, four, out var why));
        Assert.StartsWith("it was computed through other image weights (SHA-256 " + weights[..12], why);
        using (var same = Fs3Mean.LoadExtendable(file, space, four, out why)) Assert.True(same is not null, why);

        string unrecorded = Path.Combine(tmp, "unrecorded.safetensors");
        using (var two = Fs3Mean.LoadExtendable(file, space, four, out _))
            SafeTensors.Save(unrecorded, new Dictionary<string, Tensor> { ["fs3"] = two!.Fs3, ["lengths"] = two.Lengths },
                new Dictionary<string, string> { ["space"] = space.Name, ["images"] = "2", ["alpha"] = "5", ["seed"] = "0" });
        Assert.Null(Fs3Mean.LoadExtendable(unrecorded, space, four, out why));
        Assert.Equal("it does not record which image weights computed it", why);

        string progress = Path.Combine(tmp, "q.safetensors");
        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => Fs3Job.Run(g, space, stats, Conv1, progress, new SyncProgress(_ => cts.Cancel()), cts.Token));
        var refused = Assert.Throws<CheckpointException>(() => Fs3Job.Run(g, otherTower, stats, Conv1, progress, ct: T));
        Assert.Contains("cannot be resumed: it was computed through other image weights", refused.Message);
        Assert.True(File.Exists(progress), "the refused progress file is kept");
        using var resumed = Fs3Job.Run(g, space, stats, Conv1, progress, ct: T);
        Assert.Equal([64, 32], resumed.shape);
    }

    /// <summary>The fixture CLIP under another name or other image weights (a second tower in the same space).</summary>
    sealed class Relabelled(ITextImageSpace inner, string name, string? weights) : ITextImageSpace
    {
        public string Name => name;
        public int EmbedDim => inner.EmbedDim;
        public string? ImageWeightsSha256 => weights;
        public Tensor EmbedTexts(IReadOnlyList<string> texts) => inner.EmbedTexts(texts);
        public Tensor EmbedImages(Tensor generated) => inner.EmbedImages(generated);
        public void MoveTo(Device device) => inner.MoveTo(device);
        public void Dispose() { }
    }

    sealed class DisposableTensors(Dictionary<string, Tensor> items) : IDisposable
    {
        public void Dispose() { foreach (var t in items.Values) t.Dispose(); }
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
