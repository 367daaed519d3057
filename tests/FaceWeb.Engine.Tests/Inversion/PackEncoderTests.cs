using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Inversion;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>The pack encoder: starts at the average latent, learns the generator's samples, round-trips, checks shapes.</summary>
public sealed class PackEncoderTests
{
    [Fact]
    public void Training_lowers_both_losses_and_the_encoder_round_trips()
    {
        using var engine = FaceEngine.FromPack(Repository.DefaultPack());
        var g = engine.Generator;
        using var e = new PackEncoder(g.Config.NLatent, g.Config.StyleDim, width: 8);
        // A fixed evaluation set: how far the encoder's W+ is from the true one, before and after training.
        var evalW = g.WPlusFromZ(randn([8, g.Config.StyleDim], generator: new Generator(99)), 0.8).detach();
        var evalX = g.Synthesize(evalW).detach();
        double Error() => (e.Invert(evalX) - evalW).square().mean().item<float>();
        double before = Error();
        var steps = e.Train(g, new EncoderTrainingOptions(Steps: 60, Batch: 8, LearningRate: 2e-3, Seed: 1, ImageEvery: 20), TestContext.Current.CancellationToken).ToList();
        Assert.Equal(60, steps.Count);
        Assert.Equal(3, steps.Count(s => s.ImageLoss > 0));                          // steps 20, 40 and 60
        double after = Error();
        Assert.True(after < 0.8 * before, $"held-out W+ error {before:F4} → {after:F4}");
        Assert.True(g.parameters().All(p => p.requires_grad), "the generator's parameters are given back as they were");

        var x = g.Synthesize(g.WPlusFromZ(randn([2, g.Config.StyleDim], generator: new Generator(7)), 0.7)).detach();
        string file = Path.Combine(Path.GetTempPath(), $"encoder-{Guid.NewGuid():N}.safetensors");
        try
        {
            e.Save(file);
            using var loaded = PackEncoder.Load(file);
            Fixtures.AssertClose(e.Invert(x), loaded.Invert(x), "reloaded encoder", 1e-5);
            Assert.Equal([2, g.Config.NLatent, g.Config.StyleDim], loaded.Invert(x).shape);
        }
        finally { File.Delete(file); }
        using var wrong = new PackEncoder(3, g.Config.StyleDim, width: 8);
        Assert.Throws<ArgumentException>(() => wrong.Train(g, new EncoderTrainingOptions(Steps: 1), TestContext.Current.CancellationToken).ToList());
        Assert.Contains("not a FaceWeb pack encoder", Assert.Throws<CheckpointException>(() => PackEncoder.Load(Path.Combine(Repository.DefaultPack(), "generator.safetensors"))).Message);
    }
}
