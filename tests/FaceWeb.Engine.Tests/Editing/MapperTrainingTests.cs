using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

public sealed class MapperTrainingTests
{
    [Fact]
    public void A_mapper_trained_for_a_hundred_steps_lowers_held_out_clip_loss_and_round_trips()
    {
        using var g = StyleGan2Generator.Load(Fixtures.File("stylegan2", "generator.pt"));
        using var space = ClipSpace.Load(Fixtures.File("clip", "clip.safetensors"), Fixtures.File("clip", "bpe_simple_vocab_16e6.txt.gz"));
        var text = space.EmbedTexts(["an old man with a grey beard"])[0];
        manual_seed(0);
        using var mapper = new StyleClipMapper(64);
        double before = MapperTrainer.Evaluate(mapper, g, space, text);
        var reports = new List<(double Fraction, double ClipLoss)>();
        MapperTrainer.Train(mapper, g, space, text, new MapperTrainingOptions(Steps: 100, Batch: 4),
            new Progress(reports.Add), TestContext.Current.CancellationToken);
        double after = MapperTrainer.Evaluate(mapper, g, space, text);
        Assert.True(after < before - 0.02, $"held-out CLIP loss {before:F4} → {after:F4}");
        Assert.Equal(10, reports.Count);
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

    [Fact]
    public void The_colour_term_keeps_the_face_region_s_mean_colour()
    {
        using var engine = FaceEngine.FromPack(Repository.DefaultPack());
        using var editor = PackEditor.Open(engine, Repository.DefaultPack());
        var g = engine.Generator;
        using var text = editor.EmbedText("old person");
        using var w = g.WPlusFromZ(EngineDevice.SeededNormal([8, g.Config.StyleDim], new Generator(12345), g.Device), 0.7);   // not the training draws
        using var source = ImageTensors.FaceColour(g.Synthesize(w));
        double Shift(double colourLambda)
        {
            manual_seed(0);
            using var mapper = new StyleClipMapper(g.Config.StyleDim, fine: g.Config.NLatent > 8);
            MapperTrainer.Train(mapper, g, editor.Space!, text, new MapperTrainingOptions(Steps: 8, Batch: 2, Seed: 1, ColourLambda: colourLambda));
            using var _ = no_grad();
            using var moved = ImageTensors.FaceColour(g.Synthesize(mapper.Edit(w)));
            return (moved - source).abs().mean([0]).max().item<float>();                // levels, the largest channel's
        }
        double free = Shift(0), kept = Shift(20);
        Assert.True(kept < free / 2, $"colour shift {free:F2} levels without the term, {kept:F2} with it");
        Assert.Throws<ArgumentException>(() => new MapperTrainingOptions(ColourLambda: -1).Validate());
    }

    [Fact]
    public void A_pack_s_manifest_names_the_colour_term_its_mappers_are_trained_with()
    {
        static PackManifest With(string? config) =>
            new("p", "stylegan2", [], Config: config is null ? null : System.Text.Json.JsonDocument.Parse(config).RootElement.Clone());
        Assert.Equal(0, MapperTrainer.ColourLambdaOf(null));
        Assert.Equal(0, MapperTrainer.ColourLambdaOf(With(null)));
        Assert.Equal(0, MapperTrainer.ColourLambdaOf(With("""{"framing":"utkface"}""")));
        Assert.Equal(20, MapperTrainer.ColourLambdaOf(With("""{"mapper_colour_lambda":20}""")));
        Assert.Throws<CheckpointException>(() => MapperTrainer.ColourLambdaOf(With("""{"mapper_colour_lambda":-1}""")));
        Assert.Throws<CheckpointException>(() => MapperTrainer.ColourLambdaOf(With("""{"mapper_colour_lambda":"lots"}""")));
        using var engine = FaceEngine.FromPack(Repository.DefaultPack());
        Assert.Equal(20, engine.Pack.MapperColourLambda);                                   // the default pack's recipe (ADR 0015)
    }

    sealed class Progress(Action<(double, double)> report) : IProgress<(double, double)>
    {
        public void Report((double, double) value) => report(value);
    }
}
