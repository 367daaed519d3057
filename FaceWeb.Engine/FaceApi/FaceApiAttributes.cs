// face-api.js's age/gender and expression networks (V. Mühler, face-api.js; the maintained npm package
// @vladmandic/face-api, MIT). FaceWeb uses them as judges it did not train: the independent check of a pack's age,
// gender and smile edits (issue #7).
using static TorchSharp.torch;

namespace FaceWeb.Engine.FaceApi;

public sealed record FaceApiAgeGender(float Age, float MaleProbability);

/// <summary>face-api inputs: [N,3,112,112] RGB in 0..255 → normalised (mean RGB subtracted, /255, as the npm package does).</summary>
public static class FaceApiInput
{
    public const int Size = 112;
    static readonly float[] Mean = [122.782f, 117.001f, 104.298f];

    public static Tensor Normalise(Tensor rgb255) => (rgb255 - tensor(Mean, device: rgb255.device).view(1, 3, 1, 1)) / 255f;

    /// <summary>Generator output [N,3,S,S] in [−1,1] → [N,3,size,size] in 0..255 (bilinear with antialiasing); 112 for the
    /// age/gender, expression and landmark nets, 150 for recognition.</summary>
    public static Tensor FromGenerated(Tensor images, int size = Size)
    {
        using var scope = NewDisposeScope();
        var x = ((images.clamp(-1, 1) + 1) * 127.5f);
        if (x.shape[2] != size || x.shape[3] != size)
            x = nn.functional.interpolate(x, [size, size], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>face-api's age/gender net: TinyXception backbone (112 → 7 px, 512 channels), age regression in years and
/// a [male, female] softmax.</summary>
public sealed class FaceApiAgeGenderNet(TfjsNet net) : IDisposable
{
    public static FaceApiAgeGenderNet Load(string modelDir) => new(new TfjsNet(Path.Combine(modelDir, "age_gender_model-weights_manifest.json")));

    /// <summary>[N,3,112,112] RGB 0..255 → (age [N], gender logits [N,2]).</summary>
    public (Tensor Age, Tensor GenderLogits) Forward(Tensor rgb255)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var x = nn.functional.relu(net.Conv(FaceApiInput.Normalise(rgb255), "entry_flow/conv_in", 3, 2));   // [N,32,56,56]
        x = Reduction(x, "entry_flow/reduction_block_0", activateInput: false);                            // [N,64,28,28]
        x = Reduction(x, "entry_flow/reduction_block_1", activateInput: true);                             // [N,128,14,14]
        x = Main(x, "middle_flow/main_block_0");
        x = Main(x, "middle_flow/main_block_1");
        x = Reduction(x, "exit_flow/reduction_block", activateInput: true);                                // [N,256,7,7]
        x = nn.functional.relu(net.Sep(x, "exit_flow/separable_conv")).mean([2, 3]);                      // [N,512]
        var age = net.Fc(x, "fc/age").squeeze(1);
        var gender = net.Fc(x, "fc/gender");
        net.CheckAllUsed();
        return (age.MoveToOuterDisposeScope(), gender.MoveToOuterDisposeScope());
    }

    public IReadOnlyList<FaceApiAgeGender> Predict(Tensor rgb255)
    {
        var (age, logits) = Forward(rgb255);
        using (age) using (logits) using (var p = logits.softmax(1))
        {
            var a = age.data<float>().ToArray();
            var m = p[.., 0].contiguous().data<float>().ToArray();
            return a.Select((v, i) => new FaceApiAgeGender(v, m[i])).ToList();
        }
    }

    Tensor Reduction(Tensor x, string p, bool activateInput)
    {
        var a = net.Sep(activateInput ? nn.functional.relu(x) : x, p + "/separable_conv0");
        a = net.Sep(nn.functional.relu(a), p + "/separable_conv1");
        a = nn.functional.max_pool2d(TfjsNet.PadSame(a, 3, 2, double.NegativeInfinity), 3, 2);
        return a + net.Conv(x, p + "/expansion_conv", 1, 2);                                                // shortcut from the raw input
    }

    Tensor Main(Tensor x, string p)
    {
        var o = net.Sep(nn.functional.relu(x), p + "/separable_conv0");
        o = net.Sep(nn.functional.relu(o), p + "/separable_conv1");
        o = net.Sep(nn.functional.relu(o), p + "/separable_conv2");
        return o + x;
    }

    public void Dispose() => net.Dispose();
}

/// <summary>face-api's expression net: four dense blocks (112 → 7 px, 256 channels), global mean, 7 logits.</summary>
public sealed class FaceApiExpressionNet(TfjsNet net) : IDisposable
{
    public static readonly string[] Labels = ["neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised"];

    public static FaceApiExpressionNet Load(string modelDir) => new(new TfjsNet(Path.Combine(modelDir, "face_expression_model-weights_manifest.json")));

    /// <summary>[N,3,112,112] RGB 0..255 → logits [N,7] in <see cref="Labels"/> order.</summary>
    public Tensor Forward(Tensor rgb255)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var logits = net.Fc(DenseFeatures(net, FaceApiInput.Normalise(rgb255)), "fc");
        net.CheckAllUsed();
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>P(happy) per image.</summary>
    public float[] Happy(Tensor rgb255)
    {
        using var logits = Forward(rgb255);
        return HappyFromLogits(logits).P;
    }

    /// <summary>Logits [N,7] → P(happy) and its log-odds, log P(happy) − log(1 − P(happy)) = the happy logit minus the
    /// log-sum-exp of the other six. A broad smile's P(happy) rounds to 1 in float32 (any logit margin beyond ~17), so two
    /// smiles compare equal; their log-odds still differ, in the same order.</summary>
    public static (float[] P, float[] LogOdds) HappyFromLogits(Tensor logits)
    {
        using var scope = NewDisposeScope();
        var others = cat([logits[.., ..1], logits[.., 2..]], 1).logsumexp(1);                   // [N]
        var odds = logits[.., 1] - others;
        return (logits.softmax(1)[.., 1].contiguous().data<float>().ToArray(), odds.contiguous().data<float>().ToArray());
    }

    /// <summary>face-api's FaceFeatureExtractor (shared with the 68-point landmark net): four dense blocks, 112 → 7 px,
    /// then the global mean. Normalised [N,3,112,112] → [N,256].</summary>
    public static Tensor DenseFeatures(TfjsNet net, Tensor x)
    {
        x = Dense(net, x, "dense0", first: true);                                                           // [N,32,56,56]
        x = Dense(net, x, "dense1", first: false);                                                          // [N,64,28,28]
        x = Dense(net, x, "dense2", first: false);                                                          // [N,128,14,14]
        x = Dense(net, x, "dense3", first: false);                                                          // [N,256,7,7]
        return x.mean([2, 3]);
    }

    static Tensor Dense(TfjsNet net, Tensor x, string p, bool first)
    {
        var o1 = nn.functional.relu(first ? net.Conv(x, p + "/conv0", 3, 2) : net.Sep(x, p + "/conv0", 2));
        var o2 = net.Sep(o1, p + "/conv1");
        var o3 = net.Sep(nn.functional.relu(o1 + o2), p + "/conv2");
        var o4 = net.Sep(nn.functional.relu(o1 + o2 + o3), p + "/conv3");
        return nn.functional.relu(o1 + o2 + o3 + o4);
    }

    public void Dispose() => net.Dispose();
}
