using static TorchSharp.torch;

namespace FaceWeb.Engine.Generators.StyleGan2;

/// <summary>upfirdn2d (StyleGAN2 §4, Appendix B): zero-insert by <c>up</c>, pad, convolve with the FIR kernel,
/// keep every <c>down</c>-th pixel. Same padding on x and y; negative padding crops.</summary>
public static class Upfirdn2d
{
    /// <summary>outer([1,3,3,1],[1,3,3,1]) / 64, normalised to sum 1.</summary>
    public static Tensor MakeKernel(double[]? taps = null)
    {
        var k1 = tensor(taps ?? [1.0, 3, 3, 1], ScalarType.Float32);
        var k = outer(k1, k1);
        return k.div_(k.sum());
    }

    public static Tensor Apply(Tensor x, Tensor kernel, int up = 1, int down = 1, int pad0 = 0, int pad1 = 0)
    {
        using var scope = NewDisposeScope();
        long c = x.shape[1];
        if (up > 1) x = ZeroInsert(x, up);
        x = nn.functional.pad(x, [pad0, pad1, pad0, pad1]);
        long kh = kernel.shape[0], kw = kernel.shape[1];
        var weight = DeviceOps.Flip(kernel, 0, 1).to(x.dtype).view(1, 1, kh, kw).expand(c, 1, kh, kw);
        x = DeviceOps.Conv2d(x, weight, groups: c);
        if (down > 1) x = x[.., .., TensorIndex.Slice(null, null, down), TensorIndex.Slice(null, null, down)];
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>[N,C,H,W] -> [N,C,H·up,W·up] with (up−1) zeros after every pixel.</summary>
    public static Tensor ZeroInsert(Tensor x, int up)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var y = nn.functional.pad(x.reshape(n, c, h, 1, w, 1), [0, up - 1, 0, 0, 0, up - 1]);
        return y.reshape(n, c, h * up, w * up).MoveToOuterDisposeScope();
    }
}

/// <summary>FIR blur after the transposed convolution of an up-sampling ModulatedConv2d. Buffer <c>kernel</c> = k·factor².</summary>
public sealed class Blur : nn.Module<Tensor, Tensor>
{
    readonly Tensor kernel;  // [4,4]
    readonly int pad0, pad1;

    public Blur(int pad0, int pad1, int upsampleFactor = 1) : base(nameof(Blur))
    {
        kernel = Upfirdn2d.MakeKernel().mul_(upsampleFactor * upsampleFactor);
        (this.pad0, this.pad1) = (pad0, pad1);
        register_buffer(nameof(kernel), kernel);
    }

    public override Tensor forward(Tensor x) => Upfirdn2d.Apply(x, kernel, pad0: pad0, pad1: pad1);
}

/// <summary>×2 FIR up-sampling of the ToRGB skip image. Buffer <c>kernel</c> = k·4.</summary>
public sealed class Upsample : nn.Module<Tensor, Tensor>
{
    const int Factor = 2;
    readonly Tensor kernel;  // [4,4]

    public Upsample() : base(nameof(Upsample))
    {
        kernel = Upfirdn2d.MakeKernel().mul_(Factor * Factor);
        register_buffer(nameof(kernel), kernel);
    }

    // p = 4 - 2 = 2 → pad (p+1)/2 + 1 = 2 before, p/2 = 1 after. Zero-insert, pad and convolve with the flipped kernel is
    // a depthwise transposed convolution with the kernel itself (stride 2, one row and column cropped each side): the same
    // sums without materialising the zero-inserted image, which dominates the ToRGB time at 1024 px.
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long c = x.shape[1];
        var weight = kernel.to(x.dtype).view(1, 1, 4, 4).expand(c, 1, 4, 4);
        return DeviceOps.ConvTranspose2d(x, weight, stride: Factor, padding: 1, groups: c).MoveToOuterDisposeScope();
    }
}
