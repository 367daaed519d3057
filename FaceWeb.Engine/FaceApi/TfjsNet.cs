// One tfjs network's weights (face-api.js's TensorFlow.js manifests) in torch layouts: tfjs NHWC kernels are permuted
// to torch NCHW once at load; TF "same" padding is applied explicitly (a 3×3 stride-2 conv on an even input pads 0
// before and 1 after), which PyTorch's symmetric padding would not match.
using FaceWeb.Engine.Checkpoints;
using static TorchSharp.torch;

namespace FaceWeb.Engine.FaceApi;

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
            w[name] = t.dim() == 4
                ? name.Contains("depthwise", StringComparison.Ordinal)
                    ? t.permute(2, 3, 0, 1).contiguous()                      // depthwise [kh,kw,C,1] → [C,1,kh,kw]
                    : t.permute(3, 2, 0, 1).contiguous()                      // conv [kh,kw,in,out] → [out,in,kh,kw]
                : t.dim() == 2 && name.EndsWith("weights", StringComparison.Ordinal) ? t.t().contiguous() : t.clone();   // FC [in,out] → [out,in]
    }

    /// <summary>Moves every weight to <paramref name="device"/>.</summary>
    public void MoveTo(Device device)
    {
        foreach (var name in w.Keys.ToList())
        {
            var old = w[name];
            w[name] = old.to(device).clone();
            old.Dispose();
        }
    }

    public Tensor this[string name] => w.TryGetValue(name, out var t) ? Use(name, t)
        : throw new CheckpointException($"{Source}: no weight named '{name}'.");

    Tensor Use(string name, Tensor t) { used.Add(name); return t; }

    /// <summary>Marks graph constants the port writes out itself (a tfjs graph model's shapes and axes) as used.</summary>
    public void Constants(params string[] names) { foreach (var n in names) _ = this[n]; }

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

    /// <summary>face-api.js's network input: an image [1,3,H,W] padded to a square at the bottom/right, then resized
    /// (bilinear) to <paramref name="size"/> when it is not that size already. [1,3,size,size]</summary>
    public static Tensor SquareInput(Tensor rgb255, int size)
    {
        long h = rgb255.shape[2], w = rgb255.shape[3], side = Math.Max(h, w);
        var x = nn.functional.pad(rgb255, [0, side - w, 0, side - h]);
        return side == size ? x : nn.functional.interpolate(x, [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
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
