using FaceWeb.Engine.TextImage;

namespace FaceWeb.Engine.Tests;

public sealed class MiniLmTests : IClassFixture<MiniLmTests.Encoder>
{
    public sealed class Encoder : IDisposable
    {
        public MiniLmTextEncoder Model { get; } = new();
        public void Dispose() => Model.Dispose();
    }

    readonly MiniLmTextEncoder m;
    public MiniLmTests(Encoder e) => m = e.Model;

    [Fact]
    public void Vectors_are_384_d_and_unit_length()
    {
        var v = m.Encode("a photo of a face");
        Assert.Equal(384, v.Length);
        Assert.Equal(1.0, Math.Sqrt(v.Sum(x => (double)x * x)), 4);
    }

    [Fact]
    public void Paraphrases_are_far_closer_than_unrelated_descriptions()
    {
        var v = m.Encode(["a smiling woman with blond hair", "a happy blonde lady", "an old man with a beard"], TestContext.Current.CancellationToken);
        float same = MiniLmTextEncoder.Cosine(v[0], v[1]);
        float other = Math.Max(MiniLmTextEncoder.Cosine(v[0], v[2]), MiniLmTextEncoder.Cosine(v[1], v[2]));
        Assert.True(same > other + 0.2f, $"paraphrase {same:F3} vs unrelated {other:F3}");
    }

    [Fact]
    public void A_batch_equals_one_by_one()
    {
        string[] texts = ["short", "a considerably longer sentence about a young man wearing round glasses", "", "bangs"];
        var batch = m.Encode(texts, TestContext.Current.CancellationToken);
        for (int i = 0; i < texts.Length; i++)
        {
            var single = m.Encode(texts[i]);
            Assert.True(batch[i].Zip(single).All(p => Math.Abs(p.First - p.Second) < 1e-4f), $"text {i}");
        }
    }
}
