using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

public sealed class ClipSpaceTests
{
    static ClipSpace Space() => ClipSpace.Load(Fixtures.File("clip", "clip.safetensors"), Fixtures.File("clip", "bpe_simple_vocab_16e6.txt.gz"));

    [Fact]
    public void Text_embeddings_are_the_normalised_reference_features()
    {
        using var space = Space();
        using var io = CheckpointReader.Load(Fixtures.File("clip", "clip_io.safetensors"));
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Fixtures.File("clip", "tokenizer_cases.json")));
        var texts = doc.RootElement.EnumerateArray().Select(e => e.GetProperty("text").GetString()!).ToList();
        Fixtures.AssertClose(nn.functional.normalize(io["text_features"], dim: -1), space.EmbedTexts(texts), "normalised text features");
    }

    [Fact]
    public void Ensemble_is_normalise_mean_normalise()
    {
        var rows = tensor(new float[] { 3, 0, 0, 0, 4, 0 }, [2, 3]);   // lengths differ; after normalising they weigh the same
        var e = TextImageSpaces.Ensemble(rows);
        Fixtures.AssertClose(tensor(new float[] { 1, 1, 0 }) / Math.Sqrt(2), e, "ensemble");
    }

    [Fact]
    public void Clip_loss_has_a_gradient_through_the_generator()
    {
        using var space = Space();
        using var g = StyleGan2Generator.Load(Fixtures.File("stylegan2", "generator.pt"));
        var text = space.EmbedTexts(["a smiling woman with blond hair"])[0];
        var w = g.Broadcast(g.Map(randn(1, 64, generator: new Generator(3)))).detach().clone().requires_grad_(true);
        var loss = space.ClipLoss(g.Synthesize(w), text).sum();
        loss.backward();
        Assert.InRange(loss.item<float>(), 0, 2);
        Assert.True(w.grad!.abs().sum().item<float>() > 0);
        Assert.True(w.grad!.isfinite().all().item<bool>());
    }
}
