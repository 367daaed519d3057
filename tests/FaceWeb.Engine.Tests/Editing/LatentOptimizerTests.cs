using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.Identity;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

public sealed class LatentOptimizerTests : IDisposable
{
    readonly StyleGan2Generator g = StyleGan2Generator.Load(Fixtures.File("stylegan2", "generator.pt"));
    readonly ClipSpace space = ClipSpace.Load(Fixtures.File("clip", "clip.safetensors"), Fixtures.File("clip", "bpe_simple_vocab_16e6.txt.gz"));

    public void Dispose() { g.Dispose(); space.Dispose(); }

    Tensor Start()
    {
        using var _ = no_grad();
        return g.Broadcast(g.Map(randn([1, 64], generator: new Generator(7)))).clone();
    }

    List<OptimizationFrame> Optimise(double l2, int steps = 40, double id = 0, IIdentityModel? identity = null) =>
        LatentOptimizer.Run(g, space, Start(), space.EmbedTexts(["a smiling woman with blond hair"])[0],
            new OptimizationOptions(Steps: steps, L2Lambda: l2, FrameEvery: 10, IdLambda: id), TestContext.Current.CancellationToken, identity).ToList();

    [Fact]
    public void The_identity_term_keeps_the_face_closer_to_the_start_and_needs_a_model()
    {
        using var arcface = ArcFaceIdentity.Load(Fixtures.File("arcface", "ir_se50_w4.pth"));
        Tensor source;
        using (no_grad()) source = g.Synthesize(Start());
        double Similarity(List<OptimizationFrame> frames) => arcface.Similarity(source, frames[^1].Image!).item<float>();
        var free = Optimise(l2: 0, identity: arcface);
        var kept = Optimise(l2: 0, id: 5, identity: arcface);
        double sFree = Similarity(free), sKept = Similarity(kept);
        Assert.True(1 - sKept < 0.5 * (1 - sFree), $"identity similarity to the start: λ_ID 0 → {sFree:F4}, λ_ID 5 → {sKept:F4}");
        Assert.Equal(1 - sKept, kept[^1].IdLoss, 2);
        Assert.Contains("identity model", Assert.Throws<ArgumentException>(() => Optimise(l2: 0, steps: 1, id: 0.1)).Message);
    }

    [Fact]
    public void Optimisation_lowers_the_clip_loss_by_a_clear_margin_and_streams_frames()
    {
        var frames = Optimise(l2: 0.008);
        double first = frames[0].ClipLoss, last = frames[^1].ClipLoss;
        Assert.True(last < first - 0.05, $"CLIP loss {first:F4} → {last:F4}");
        Assert.Equal([10, 20, 30, 40], frames.Where(f => f.Image is not null).Select(f => f.Step));
        Assert.Equal([1, 3, 64, 64], frames[^1].Image!.shape);
    }

    /// <summary>A frame's latent is the one its image was rendered from, so keeping or posting a frame keeps its image.</summary>
    [Fact]
    public void Each_frames_latent_renders_that_frames_image()
    {
        var frames = Optimise(l2: 0.008, steps: 4).Where(f => f.Image is not null).ToList();
        Assert.NotEmpty(frames);
        using var _ = no_grad();
        foreach (var f in frames)
        {
            float diff = (g.Synthesize(f.Latent!) - f.Image!).abs().max().item<float>();
            Assert.Equal(0, diff);
        }
    }

    [Fact]
    public void A_larger_l2_weight_stays_closer_to_the_start()
    {
        double loose = Optimise(l2: 0.0)[^1].L2, tight = Optimise(l2: 1.0)[^1].L2;
        Assert.True(tight < 0.5 * loose, $"‖w − w_s‖²: λ 0 → {loose:F4}, λ 1 → {tight:F4}");
    }

    [Fact]
    public void Learning_rate_ramps_up_then_down_and_bad_options_are_refused()
    {
        Assert.Equal(0, LatentOptimizer.LearningRate(0, 0.1));
        Assert.Equal(0.1, LatentOptimizer.LearningRate(0.5, 0.1), 9);
        Assert.True(LatentOptimizer.LearningRate(0.9, 0.1) < 0.1);
        Assert.Throws<ArgumentException>(() => Optimise(l2: double.NaN, steps: 1));
        Assert.Throws<ArgumentException>(() => Optimise(l2: 0, steps: 0));
    }

    [Fact]
    public void Cancellation_stops_between_steps()
    {
        using var cts = new CancellationTokenSource();
        int seen = 0;
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var f in LatentOptimizer.Run(g, space, Start(), space.EmbedTexts(["a face"])[0], new OptimizationOptions(Steps: 100), cts.Token))
                if (++seen == 3) cts.Cancel();
        });
        Assert.Equal(3, seen);
    }
}
