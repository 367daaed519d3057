using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Inversion;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>#20: the sketch encoder learns W+ from the sketches of the generator's samples, stores as float16 and
/// refuses to be mistaken for the photo encoder.</summary>
public sealed class SketchEncoderTests
{
    [Fact]
    public void Training_on_sketches_lowers_the_latent_error_and_the_file_round_trips_as_float16()
    {
        using var engine = FaceEngine.FromPack(Repository.DefaultPack());
        var g = engine.Generator;
        using var e = new SketchEncoder(g.Config.NLatent, g.Config.StyleDim, width: 8);
        var evalW = g.WPlusFromZ(randn([8, g.Config.StyleDim], generator: new Generator(99)), 0.8).detach();
        var evalSketch = FaceSketch.Render(g.Synthesize(evalW).detach());
        double Error() => (e.Encode(evalSketch) - evalW).square().mean().item<float>();
        double before = Error();
        var steps = e.Train(g, new EncoderTrainingOptions(Steps: 60, Batch: 8, LearningRate: 2e-3, Seed: 1, ImageEvery: 20), TestContext.Current.CancellationToken).ToList();
        Assert.Equal(60, steps.Count);
        double after = Error();
        Assert.True(after < 0.8 * before, $"held-out W+ error from sketches {before:F4} → {after:F4}");

        string file = Path.Combine(Path.GetTempPath(), $"sketch-encoder-{Guid.NewGuid():N}.safetensors");
        try
        {
            e.Save(file);
            Assert.All(SafeTensors.Load(file).Values.Where(t => t.is_floating_point()), t => Assert.Equal(ScalarType.Float16, t.dtype));
            using var loaded = SketchEncoder.Load(file);
            double drift = (loaded.Encode(evalSketch) - e.Encode(evalSketch)).abs().max().item<float>();
            Assert.True(drift < 0.05 * Math.Sqrt(after) + 1e-3, $"float16 storage moves W+ by {drift:F5} (error {Math.Sqrt(after):F4})");
            Assert.Contains("not a faceweb-encoder", Assert.Throws<CheckpointException>(() => PackEncoder.Load(file)).Message);
        }
        finally { File.Delete(file); }
        Assert.Contains("not a faceweb-sketch-encoder", Assert.Throws<CheckpointException>(() => SketchEncoder.Load(Path.Combine(Repository.DefaultPack(), "encoder.safetensors"))).Message);
        Assert.Throws<ArgumentException>(() => e.Encode(ones(1, 3, 64, 64)));
    }
}
