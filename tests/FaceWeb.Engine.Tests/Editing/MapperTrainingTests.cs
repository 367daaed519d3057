using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

public sealed class MapperTrainingTests
{
    [Fact]
    public void A_mapper_trained_for_a_few_hundred_steps_lowers_held_out_clip_loss_and_round_trips()
    {
        using var g = StyleGan2Generator.Load(Fixtures.File("stylegan2", "generator.pt"));
        using var space = ClipSpace.Load(Fixtures.File("clip", "clip.safetensors"), Fixtures.File("clip", "bpe_simple_vocab_16e6.txt.gz"));
        var text = space.EmbedTexts(["an old man with a grey beard"])[0];
        manual_seed(0);
        using var mapper = new StyleClipMapper(64);
        double before = MapperTrainer.Evaluate(mapper, g, space, text);
        var reports = new List<(double Fraction, double ClipLoss)>();
        MapperTrainer.Train(mapper, g, space, text, new MapperTrainingOptions(Steps: 200, Batch: 4),
            new Progress(reports.Add), TestContext.Current.CancellationToken);
        double after = MapperTrainer.Evaluate(mapper, g, space, text);
        Assert.True(after < before - 0.02, $"held-out CLIP loss {before:F4} → {after:F4}");
        Assert.Equal(20, reports.Count);
        Assert.Equal(1.0, reports[^1].Fraction);

        string path = Path.Combine(Path.GetTempPath(), $"faceweb-mapper-{Guid.NewGuid():N}.safetensors");
        try
        {
            MapperTrainer.Save(mapper, path, "an old man with a grey beard");
            using var back = StyleClipMapper.Load(path);
            Assert.Equal(after, MapperTrainer.Evaluate(back, g, space, text), 5);
        }
        finally { File.Delete(path); }
    }

    sealed class Progress(Action<(double, double)> report) : IProgress<(double, double)>
    {
        public void Report((double, double) value) => report(value);
    }
}
