// face-api.js's age/gender and expression networks (V. Mühler, face-api.js; the maintained npm package
// @vladmandic/face-api, MIT), read from their TensorFlow.js weight manifests. FaceWeb uses them as judges it did not
// train: the independent check of the default pack's age, gender and smile edits (issue #7).
// Layout: tfjs NHWC kernels are permuted to torch NCHW once at load; TF "same" padding is applied explicitly
// (a 3×3 stride-2 conv on an even input pads 0 before and 1 after), which PyTorch's symmetric padding would not match.
using FaceWeb.Engine.Checkpoints;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Evaluation;

/// <summary>Weights of one tfjs network in torch layouts, looked up strictly by their tfjs names.</summary>
public sealed class TfjsNet : IDisposable
{
    readonly Dictionary<string, Tensor> w = new(StringComparer.Ordinal);
    readonly HashSet<string> used = [];
    public string Source { get; }

    public TfjsNet(string manifest)
    {
        Source = manifest;
        using var sd = TfjsWeights.Load(manifest);
        foreach (var (name, t) in sd.Tensors)
            w[name] = name.EndsWith("filters", StringComparison.Ordinal) || name.EndsWith("pointwise_filter", StringComparison.Ordinal)
                ? t.permute(3, 2, 0, 1).contiguous()                          // [kh,kw,in,out] → [out,in,kh,kw]
                : name.EndsWith("depthwise_filter", StringComparison.Ordinal)
                    ? t.permute(2, 3, 0, 1).contiguous()                      // [kh,kw,C,1] → [C,1,kh,kw]
                    : name.EndsWith("weights", StringComparison.Ordinal) ? t.t().contiguous() : t.clone();   // FC [in,out] → [out,in]
    }

    public Tensor this[string name] => w.TryGetValue(name, out var t) ? Use(name, t)
        : throw new CheckpointException($"{Source}: no weight named '{name}'.");

    Tensor Use(string name, Tensor t) { used.Add(name); return t; }

    /// <summary>After one forward pass: every weight of the manifest was used (no unknown keys).</summary>
    public void CheckAllUsed()
    {
        var unused = w.Keys.Where(k => !used.Contains(k)).ToList();
        if (unused.Count > 0) throw new CheckpointException($"{Source}: weights not part of the network: {string.Join(", ", unused.Take(5))}.");
    }

    /// <summary>TF "same" padding for kernel k and stride s: the extra row/column goes after (bottom/right).</summary>
    public static Tensor PadSame(Tensor x, int k, int s, double value = 0)
    {
        long h = x.shape[2], wd = x.shape[3];
        long Total(long n) => Math.Max(0, ((n + s - 1) / s - 1) * s + k - n);
        long th = Total(h), tw = Total(wd);
        return th == 0 && tw == 0 ? x : nn.functional.pad(x, [tw / 2, tw - tw / 2, th / 2, th - th / 2], value: value);
    }

    public Tensor Conv(Tensor x, string p, int k, int stride) =>
        nn.functional.conv2d(PadSame(x, k, stride), this[p + "/filters"], this[p + "/bias"], strides: [stride, stride]);

    /// <summary>Depthwise 3×3 (stride s, same) → pointwise 1×1 → + bias, as tf.separableConv2d plus face-api's bias.</summary>
    public Tensor Sep(Tensor x, string p, int stride = 1)
    {
        var dw = this[p + "/depthwise_filter"];
        var d = nn.functional.conv2d(PadSame(x, 3, stride), dw, strides: [stride, stride], groups: dw.shape[0]);
        return nn.functional.conv2d(d, this[p + "/pointwise_filter"], this[p + "/bias"]);
    }

    public Tensor Fc(Tensor x, string p) => nn.functional.linear(x, this[p + "/weights"], this[p + "/bias"]);

    public void Dispose() { foreach (var t in w.Values) t.Dispose(); }
}

public sealed record FaceApiAgeGender(float Age, float MaleProbability);

/// <summary>face-api inputs: [N,3,112,112] RGB in 0..255 → normalised (mean RGB subtracted, /255, as the npm package does).</summary>
public static class FaceApiInput
{
    public const int Size = 112;
    static readonly float[] Mean = [122.782f, 117.001f, 104.298f];

    public static Tensor Normalise(Tensor rgb255) => (rgb255 - tensor(Mean).view(1, 3, 1, 1)) / 255f;

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
        using var p = logits.softmax(1);
        return p[.., 1].contiguous().data<float>().ToArray();
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

/// <summary>Where the face-api.js weights are: <c>FACEWEB_FACEAPI</c>, else <c>models/face-api/node_modules/@vladmandic/face-api/model</c>
/// above the running program or the current folder (restored with npm, see README). Files are checked against their SHA-256.</summary>
public static class FaceApiModels
{
    public const string Restore = "npm install --prefix models/face-api --no-package-lock --ignore-scripts";

    // @vladmandic/face-api 1.7.15: the manifests and shards FaceWeb reads.
    static readonly Dictionary<string, string> Sha256 = new()
    {
        ["age_gender_model-weights_manifest.json"] = "74b60bf3ebf981bf4e661e9cca3a185614e10b25d797118b62e2a68d3ff2569f",
        ["age_gender_model.bin"] = "49f92bbc0afef2342c4385e4a2b0acb6d7a727c6f0aa539499719a81acf9abaa",
        ["face_expression_model-weights_manifest.json"] = "5b349c17c7836da506e03422cd6461c74085d8bb2713ad4114647dc5d28174c8",
        ["face_expression_model.bin"] = "9a9840f2cf1f4c7eab95f197512569345c00d2426754d4608b92af30e0300f3d",
        ["face_recognition_model-weights_manifest.json"] = "cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b",
        ["face_recognition_model.bin"] = "b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589",
        ["face_landmark_68_model-weights_manifest.json"] = "ca4886639f86e99b39fed0c155f81b63317225773bd9616716e887b0153389c9",
        ["face_landmark_68_model.bin"] = "4611ef65c87d836d03d684b30eec4d195d8b219fa1dd58fc58945831c6b9299b",
        ["tiny_face_detector_model-weights_manifest.json"] = "5d1af4849ac48d5b985f4a9b16010c512353ddd6fcc63d50fd0bc9e9e64296e5",
        ["tiny_face_detector_model.bin"] = "b7503ce7df31039b1c43316a9b865cab6a70dd748cc602d3fa28b551503c3871",
    };

    public static string Directory()
    {
        string? dir = Environment.GetEnvironmentVariable("FACEWEB_FACEAPI");
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var d = new DirectoryInfo(start); dir is null && d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "models", "face-api", "node_modules", "@vladmandic", "face-api", "model");
                if (System.IO.Directory.Exists(candidate)) dir = candidate;
            }
        if (dir is null) throw new DirectoryNotFoundException($"the face-api.js weights are not restored: run `{Restore}` in the repository.");
        foreach (var (file, sha) in Sha256)
        {
            string path = Path.Combine(dir, file);
            if (!File.Exists(path)) throw new FileNotFoundException($"{path} is missing: run `{Restore}`.");
            if (ModelPack.Sha256Of(path) != sha) throw new CheckpointException($"{path}: SHA-256 differs from @vladmandic/face-api 1.7.15's.");
        }
        return dir;
    }
}
