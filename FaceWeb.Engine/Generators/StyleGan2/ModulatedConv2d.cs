using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Generators.StyleGan2;

/// <summary>Weight modulation and demodulation (StyleGAN2 §2.2, eq. 1–3).
/// s = modulation(w); w′ = w·s/√(in·k²); w″ = w′ / √(Σ w′² + 1e-8).
/// Computed as in rosinality's <c>fused=False</c> path: scale the input by s, convolve with the shared weight,
/// scale the output by the demodulation coefficients — the same numbers as the grouped conv, one conv per batch.</summary>
public sealed class ModulatedConv2d : nn.Module
{
    readonly Parameter weight;            // [1,out,in,k,k]
    readonly EqualLinear modulation;      // [N,D] -> [N,in]
    readonly Blur? blur;
    readonly bool demodulate, upsample;
    readonly int kernelSize;
    readonly double scale;

    public ModulatedConv2d(long inChannels, long outChannels, int kernelSize, long styleDim, bool demodulate = true, bool upsample = false)
        : base(nameof(ModulatedConv2d))
    {
        weight = new Parameter(randn([1, outChannels, inChannels, kernelSize, kernelSize]));
        modulation = new EqualLinear(styleDim, inChannels, biasInit: 1);
        (this.demodulate, this.upsample, this.kernelSize) = (demodulate, upsample, kernelSize);
        scale = 1.0 / Math.Sqrt(inChannels * kernelSize * kernelSize);
        register_parameter(nameof(weight), weight);
        register_module(nameof(modulation), modulation);
        if (upsample)
        {
            // p = (4 - 2) - (k - 1); pad ((p+1)/2 + 1, p/2 + 1)
            int p = 4 - 2 - (kernelSize - 1);
            blur = new Blur((p + 1) / 2 + 1, p / 2 + 1, upsampleFactor: 2);
            register_module(nameof(blur), blur);
        }
    }

    public long InChannels => weight.shape[2];
    public long OutChannels => weight.shape[1];

    /// <summary>The StyleSpace vector of this layer: s = modulation(w). [N,D] -> [N,in]</summary>
    public Tensor Style(Tensor w) => modulation.forward(w);

    /// <summary>x [N,in,H,W], s [N,in] (StyleSpace) -> [N,out,H′,W′] (H′ = 2H when up-sampling).
    /// <paramref name="gain"/> scales the output (folded into the weights; StyledConv passes the activation's √2);
    /// <paramref name="bias"/> [out] is added to the output where it costs least: inside the convolution for one image
    /// (oneDNN adds it as it writes), with the demodulation for a batch, after the blur when up-sampling.</summary>
    public Tensor Forward(Tensor x, Tensor s, double gain = 1, Tensor? bias = null)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        var w = weight[0] * scale;                                  // [out,in,k,k]
        Tensor? demod = demodulate
            ? rsqrt(s.square().matmul(w.square().sum([2, 3]).t()) + 1e-8)   // [N,out]
            : null;
        Tensor y;
        if (n == 1)
        {
            // One image: modulate the (small) weight rather than the (large) activations, as the paper writes it.
            var wm = w * s.view(1, -1, 1, 1);
            if (demod is not null) wm = wm * demod.view(-1, 1, 1, 1);
            if (gain != 1) wm = wm * gain;
            y = Conv(x, wm, upsample ? null : bias);
            if (!upsample) bias = null;
        }
        else
        {
            y = Conv(x * s.view(n, -1, 1, 1), w);
            var scale = demod is null ? null : (gain == 1 ? demod : demod * gain).view(n, -1, 1, 1);
            if (scale is null && gain != 1) scale = full([1, 1, 1, 1], gain, dtype: y.dtype, device: y.device);
            if (scale is not null && bias is not null && !upsample) { y = addcmul(bias.view(1, -1, 1, 1), y, scale, 1); bias = null; }   // one pass
            else if (scale is not null) y = y * scale;
        }
        if (blur is not null) y = blur.forward(y);
        if (bias is not null) y = y.add_(bias.view(1, -1, 1, 1));
        return y.MoveToOuterDisposeScope();
    }

    Tensor Conv(Tensor x, Tensor w, Tensor? bias = null) => upsample
        ? DeviceOps.ConvTranspose2d(x, w.transpose(0, 1), stride: 2)
        : DeviceOps.Conv2d(x, w, bias, padding: kernelSize / 2);
}
