// face-api.js's face recognition network (a dlib-style ResNet-34 at 150 px, 128-d descriptors; npm
// @vladmandic/face-api, MIT). Two faces whose descriptors are closer than 0.6 (Euclidean) count as the same person
// in face-api.js. FaceWeb uses it as an identity judge it did not train.
using FaceWeb.Engine.Identity;
using static TorchSharp.torch;

namespace FaceWeb.Engine.FaceApi;

public sealed class FaceApiIdentity(TfjsNet net) : IIdentityModel
{
    public const int Size = 150;
    /// <summary>face-api.js's same-person threshold on the Euclidean distance of raw descriptors.</summary>
    public const double SamePersonDistance = 0.6;

    public static FaceApiIdentity Load(string modelDir) => new(new TfjsNet(Path.Combine(modelDir, "face_recognition_model-weights_manifest.json")));

    public string Name => "face-api.js recognition (128-d)";
    public long EmbedDim => 128;

    /// <summary>[N,3,150,150] RGB in 0..255 → raw descriptors [N,128] (not normalised, as face-api.js returns them).</summary>
    public Tensor Descriptor(Tensor rgb255)
    {
        using var scope = NewDisposeScope();
        var x = FaceApiInput.Normalise(rgb255);
        x = Unit(x, "conv32_down/conv", 7, stride: 2, relu: true);                                             // [N,32,72,72]
        x = nn.functional.max_pool2d(x, 3, 2);                                                                // [N,32,35,35]
        foreach (var b in new[] { "conv32_1", "conv32_2", "conv32_3" }) x = Residual(x, b);
        x = Down(x, "conv64_down");                                                                           // [N,64,17,17]
        foreach (var b in new[] { "conv64_1", "conv64_2", "conv64_3" }) x = Residual(x, b);
        x = Down(x, "conv128_down");                                                                          // [N,128,8,8]
        foreach (var b in new[] { "conv128_1", "conv128_2" }) x = Residual(x, b);
        x = Down(x, "conv256_down");                                                                          // [N,256,4,4]
        foreach (var b in new[] { "conv256_1", "conv256_2" }) x = Residual(x, b);
        x = Down(x, "conv256_down_out");                                                                      // [N,256,2,2]
        var d = x.mean([2, 3]).matmul(net["fc"]);                                                             // [N,128], no bias
        net.CheckAllUsed();
        return d.MoveToOuterDisposeScope();
    }

    /// <summary>Generator output in [−1,1] → raw descriptors [N,128] (upscaled to 150 px).</summary>
    public Tensor DescriptorOfGenerated(Tensor generated)
    {
        using var scope = NewDisposeScope();
        return Descriptor(FaceApiInput.FromGenerated(generated, Size)).MoveToOuterDisposeScope();
    }

    /// <summary>Generator output in [−1,1] → unit-length descriptors (differentiable).</summary>
    public Tensor Embed(Tensor generated)
    {
        using var scope = NewDisposeScope();
        return nn.functional.normalize(DescriptorOfGenerated(generated), dim: 1).MoveToOuterDisposeScope();
    }

    /// <summary>conv (stride 1: TF same; stride 2: valid) + bias, then the folded batch norm (× scale + shift), then ReLU.</summary>
    Tensor Unit(Tensor x, string p, int k, int stride, bool relu)
    {
        var input = stride == 1 ? TfjsNet.PadSame(x, k, 1) : x;
        var y = nn.functional.conv2d(input, net[p + "/filters"], net[p + "/bias"], strides: [stride, stride]);
        string s = p[..p.LastIndexOf('/')] + "/scale";
        y = y * net[s + "/weights"].view(1, -1, 1, 1) + net[s + "/biases"].view(1, -1, 1, 1);
        return relu ? nn.functional.relu(y) : y;
    }

    Tensor Residual(Tensor x, string p) =>
        nn.functional.relu(Unit(Unit(x, p + "/conv1/conv", 3, 1, true), p + "/conv2/conv", 3, 1, false) + x);

    /// <summary>Stride-2 residual block: 3×3 valid conv path; 2×2 average-pool shortcut, zero channels appended when the width
    /// doubles; the conv path gets a zero row and column (bottom, right) when it comes out smaller.</summary>
    Tensor Down(Tensor x, string p)
    {
        var o = Unit(Unit(x, p + "/conv1/conv", 3, 2, true), p + "/conv2/conv", 3, 1, false);
        var pooled = nn.functional.avg_pool2d(x, 2, 2);
        if (o.shape[1] != pooled.shape[1]) pooled = cat([pooled, zeros_like(pooled)], 1);
        if (o.shape[2] < pooled.shape[2]) o = nn.functional.pad(o, [0, pooled.shape[3] - o.shape[3], 0, pooled.shape[2] - o.shape[2]]);
        return nn.functional.relu(pooled + o);
    }

    public void MoveTo(Device device) => net.MoveTo(device);

    public void Dispose() => net.Dispose();
}
