using System.Text.Json;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>Parity with openai/CLIP: ../shared/fixtures/clip.</summary>
public sealed class ClipTests
{
    static readonly Lazy<ClipTokenizer> Tok = new(() => ClipTokenizer.Load(Fixtures.File("clip", "bpe_simple_vocab_16e6.txt.gz")));

    public static TheoryData<int> Cases() => new(Enumerable.Range(0, 12));

    [Theory, MemberData(nameof(Cases))]
    public void Tokenizer_reproduces_every_fixture_case(int i)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixtures.File("clip", "tokenizer_cases.json")));
        var c = doc.RootElement[i];
        string text = c.GetProperty("text").GetString()!;
        Assert.Equal(c.GetProperty("bpe_ids").EnumerateArray().Select(e => e.GetInt32()), Tok.Value.Encode(text));
        Assert.Equal(c.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt64()), Tok.Value.Tokenize(text));
    }

    [Fact]
    public void Tokenizer_survives_hostile_text()
    {
        var tok = Tok.Value;
        Assert.Equal([ClipTokenizer.StartOfText, ClipTokenizer.EndOfText], tok.Tokenize("")[..2]);
        var longText = tok.Tokenize(string.Concat(Enumerable.Repeat("smiling face ", 1000)));   // 13 kB
        Assert.Equal(77, longText.Length);
        Assert.Equal(ClipTokenizer.EndOfText, longText[76]);
        Assert.Equal(77, tok.Tokenize("a\u0000b\u0007c\u001b[31m\u200b").Length);
        var surrogates = tok.Tokenize("broken \ud800 pair \udc00 end");
        Assert.Contains(ClipTokenizer.EndOfText, surrogates);
        Assert.Equal(tok.Encode("a photo of a face"), tok.Encode("  A   Photo\tof\n a FACE "));   // whitespace folded, lower-cased
        Assert.Equal(tok.Encode("fish & chips"), tok.Encode("fish &amp;amp; chips"));               // html-unescaped twice
    }

    [Fact]
    public void Missing_or_corrupt_vocabulary_is_a_clear_error()
    {
        string dir = Directory.CreateTempSubdirectory("faceweb-bpe-").FullName;
        try
        {
            Assert.Contains("not found", Assert.Throws<CheckpointException>(() => ClipTokenizer.Load(Path.Combine(dir, "none.gz"))).Message);
            string bad = Path.Combine(dir, "bad.txt.gz");
            File.WriteAllBytes(bad, [0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7]);
            Assert.Throws<CheckpointException>(() => ClipTokenizer.Load(bad));
            string shortFile = Path.Combine(dir, "short.txt");
            File.WriteAllText(shortFile, "#version\na b\n");
            Assert.Contains("merges", Assert.Throws<CheckpointException>(() => ClipTokenizer.Load(shortFile)).Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Features_logits_and_gradient_match_the_reference()
    {
        using var clip = Clip.Load(Fixtures.File("clip", "clip.safetensors"));
        using var io = CheckpointReader.Load(Fixtures.File("clip", "clip_io.safetensors"));
        Assert.Equal(new ClipConfig(32, 32, 2, 128, 8, 77, 49408, 64, 2), clip.Config);
        using (no_grad())
        {
            var img = clip.EncodeImage(io["image"]);
            var txt = clip.EncodeText(io["tokens"]);
            Fixtures.AssertClose(io["image_features"], img, "image_features");
            Fixtures.AssertClose(io["text_features"], txt, "text_features");
            Fixtures.AssertClose(io["logits_per_image"], clip.Logits(img, txt[TensorIndex.Slice(0, 2)]), "logits_per_image");
        }
        var image = io["image"].clone().requires_grad_(true);
        var f = clip.EncodeImage(image);
        nn.functional.cosine_similarity(f, io["text_features"][1].unsqueeze(0).detach(), dim: -1).sum().backward();
        Fixtures.AssertClose(io["grad_image_cos_text1"], image.grad!, "grad_image_cos_text1", tol: 1e-3, relativeOnly: true);
    }

    [Fact]
    public void Fixture_tokens_come_from_the_tokenizer()
    {
        using var io = CheckpointReader.Load(Fixtures.File("clip", "clip_io.safetensors"));
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixtures.File("clip", "tokenizer_cases.json")));
        var texts = doc.RootElement.EnumerateArray().Select(e => e.GetProperty("text").GetString()!).ToList();
        var expected = io["tokens"].data<long>().ToArray();
        var ours = texts.SelectMany(t => Tok.Value.Tokenize(t)).ToArray();
        Assert.Equal(expected, ours);
    }

    [Fact]
    public void ViT_B32_architecture_has_exactly_the_reference_keys_and_shapes()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixtures.File("clip", "vit_b32_keys.json")));
        var root = doc.RootElement.TryGetProperty("keys", out var k) ? k : doc.RootElement;
        var expected = root.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(e => e.GetInt64()).ToArray());
        using var clip = new Clip(ClipConfig.VitB32);
        var actual = clip.state_dict();
        var missing = expected.Keys.Except(actual.Keys).Where(key => key is not ("input_resolution" or "context_length" or "vocab_size")).ToList();
        Assert.True(missing.Count == 0, "missing: " + string.Join(", ", missing));
        Assert.Empty(actual.Keys.Except(expected.Keys));
        foreach (var (key, shape) in expected.Where(e => actual.ContainsKey(e.Key)))
            Assert.True(shape.SequenceEqual(actual[key].shape), $"{key}: [{string.Join(",", actual[key].shape)}] vs [{string.Join(",", shape)}]");
    }

    [Fact]
    public void Preprocess_maps_generator_output_to_the_model_resolution()
    {
        using var clip = new Clip(ClipConfig.VitB32);
        foreach (int size in new[] { 64, 256, 1024 })
        {
            using var x = zeros(1, 3, size, size);   // mid-grey in [-1,1]
            using var y = clip.Preprocess(x);
            Assert.Equal([1, 3, 224, 224], y.shape);
            Assert.Equal((0.5 - 0.48145466) / 0.26862954, y[0, 0, 100, 100].item<float>(), 5);
        }
    }
}
