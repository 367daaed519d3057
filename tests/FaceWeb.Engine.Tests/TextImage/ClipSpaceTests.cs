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
    public void Templates_resolve_to_the_face_set_none_or_a_file_and_a_bad_file_is_a_clear_error()
    {
        Assert.Same(PromptTemplates.Faces, PromptTemplates.Resolve(null));
        Assert.All(PromptTemplates.Faces, t => Assert.Contains("{}", t));
        Assert.Equal(["{}"], PromptTemplates.Resolve("none"));
        Assert.Equal(["a photo of a smiling face.", "a smiling face"], PromptTemplates.Fill(["a photo of {}.", "{}"], "a smiling face"));
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file, ["# StyleCLIP's list goes here", "", "a bad photo of {}.", "  a sketch of {}.  "]);
            Assert.Equal(["a bad photo of {}.", "a sketch of {}."], PromptTemplates.Resolve(file));
            File.WriteAllLines(file, ["a photo of {}.", "no placeholder"]);
            Assert.Contains("\"no placeholder\"", Assert.Throws<ArgumentException>(() => PromptTemplates.Resolve(file)).Message);
            File.WriteAllLines(file, ["# only a comment"]);
            Assert.Contains("no templates", Assert.Throws<ArgumentException>(() => PromptTemplates.Resolve(file)).Message);
        }
        finally { File.Delete(file); }
        Assert.Contains("existing file", Assert.Throws<ArgumentException>(() => PromptTemplates.Resolve("/nope/templates.txt")).Message);
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
