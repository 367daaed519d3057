using FaceWeb.Engine.FaceApi;
using FaceWeb.Engine.Checkpoints;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>
/// face-api.js age/gender and expression nets against the npm package itself: reference numbers from
/// @vladmandic/face-api 1.7.15 (tfjs 4.22, CPU backend) in headless Chromium, for a synthetic 112×112 input
/// (bench/faceapi-reference/reference.html reproduces them).
/// </summary>
public sealed class FaceApiTests
{
    /// <summary>Pixel (y, x): R = (2x + y) mod 256, G = 2y mod 256, B = xy mod 256. [1,3,112,112] in 0..255.</summary>
    static Tensor Pattern(int n = 112)
    {
        var d = new float[3 * n * n];
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++)
            {
                d[y * n + x] = (2 * x + y) % 256;
                d[n * n + y * n + x] = 2 * y % 256;
                d[2 * n * n + y * n + x] = x * y % 256;
            }
        return tensor(d, [1, 3, n, n]);
    }

    [Fact]
    public void Recognition_descriptors_match_the_npm_package()
    {
        using var net = Engine.FaceApi.FaceApiIdentity.Load(Repository.FaceApiModels());
        using var _ = no_grad();
        var d = net.Descriptor(Pattern(150));
        Assert.Equal([1, 128], d.shape);
        Fixtures.AssertClose(tensor(new[] { -0.108818f, 0.100089f, 0.088131f, -0.065673f }), d[0, ..4], "descriptor[0..3]", 1e-4);
        Assert.Equal(1.3267, d.norm().item<float>(), 3);
    }

    [Fact]
    public void Age_and_gender_match_the_npm_package()
    {
        using var net = FaceApiAgeGenderNet.Load(Repository.FaceApiModels());
        var (age, gender) = net.Forward(Pattern());
        Assert.Equal(45.66550064086914, age.item<float>(), 3);
        Fixtures.AssertClose(tensor(new[] { 2.025096893310547f, -1.7771602869033813f }).view(1, 2), gender, "gender logits", 1e-3);
        var p = net.Predict(Pattern())[0];
        Assert.Equal(0.978166937828064, p.MaleProbability, 4);
    }

    [Fact]
    public void Expressions_match_the_npm_package()
    {
        using var net = FaceApiExpressionNet.Load(Repository.FaceApiModels());
        var logits = net.Forward(Pattern());
        float[] expected = [-2.870682716369629f, 0.02024286985397339f, -1.715956687927246f, -3.7158663272857666f, -4.637534141540527f, -5.297055721282959f, -2.26763653755188f];
        Fixtures.AssertClose(tensor(expected).view(1, 7), logits, "expression logits", 1e-3);
        Assert.Equal(0.72916317, net.Happy(Pattern())[0], 4);
        var (p, odds) = FaceApiExpressionNet.HappyFromLogits(logits);
        Assert.Equal(Math.Log(0.72916317 / (1 - 0.72916317)), odds[0], 3);                   // log P − log(1 − P)
        Assert.Equal(p[0], net.Happy(Pattern())[0]);
    }

    [Fact]
    public void Happy_log_odds_still_order_two_smiles_whose_probability_rounds_to_one()
    {
        // Two broad smiles: the happy logit 20 and 25 above the others. P(happy) is 1 in float32 for both; the log-odds differ by 5.
        var logits = tensor(new[] { 0f, 20f, 0f, 0f, 0f, 0f, 0f, 0f, 25f, 0f, 0f, 0f, 0f, 0f }).view(2, 7);
        var (p, odds) = FaceApiExpressionNet.HappyFromLogits(logits);
        Assert.Equal([1f, 1f], p);
        Assert.Equal(20 - Math.Log(6), odds[0], 4);
        Assert.Equal(5.0, odds[1] - odds[0], 4);
    }

    [Fact]
    public void Tfjs_manifests_are_read_strictly()
    {
        string dir = Directory.CreateTempSubdirectory("tfjs-").FullName;
        try
        {
            string m = Path.Combine(dir, "m.json");
            File.WriteAllText(m, """[{"paths":["m.bin"],"weights":[{"name":"a","shape":[2],"dtype":"float32"},{"name":"q","shape":[3],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.5,"min":-1}}]}]""");
            File.WriteAllBytes(Path.Combine(dir, "m.bin"), [.. BitConverter.GetBytes(1.5f), .. BitConverter.GetBytes(-2f), 0, 2, 255]);
            using (var sd = TfjsWeights.Load(m))
            {
                Assert.Equal(new[] { 1.5f, -2f }, sd["a"].data<float>().ToArray());
                Assert.Equal(new[] { -1f, 0f, 126.5f }, sd["q"].data<float>().ToArray());
            }
            File.WriteAllBytes(Path.Combine(dir, "m.bin"), [1, 2, 3]);
            Assert.Contains("inside weight 'a'", Assert.Throws<CheckpointException>(() => TfjsWeights.Load(m)).Message);
            File.Delete(Path.Combine(dir, "m.bin"));
            Assert.Contains("missing", Assert.Throws<CheckpointException>(() => TfjsWeights.Load(m)).Message);
            File.WriteAllText(m, "{not json");
            Assert.Contains("not a TensorFlow.js weights manifest", Assert.Throws<CheckpointException>(() => TfjsWeights.Load(m)).Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
