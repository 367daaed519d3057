using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Generators.StyleGan2;

/// <summary>Per-pixel noise scaled by a learned scalar (StyleGAN §3.2). Key <c>weight</c> [1].</summary>
public sealed class NoiseInjection : nn.Module
{
    readonly Parameter weight;

    public NoiseInjection() : base(nameof(NoiseInjection))
    {
        weight = new Parameter(zeros(1));
        register_parameter(nameof(weight), weight);
    }

    /// <summary>x [N,C,H,W] + weight · noise [N or 1,1,H,W]; a null noise draws fresh Gaussian noise.</summary>
    public Tensor Forward(Tensor x, Tensor? noise, Generator? rng = null)
    {
        using var scope = NewDisposeScope();
        noise ??= Draw(x, rng);
        return (x + weight * noise).MoveToOuterDisposeScope();
    }

    /// <summary>Fresh noise [N,1,H,W] on x's device; a seeded <paramref name="rng"/> draws on the CPU so that a seed gives the
    /// same noise on every device.</summary>
    static Tensor Draw(Tensor x, Generator? rng)
    {
        long[] shape = [x.shape[0], 1, x.shape[2], x.shape[3]];
        return rng is null || x.device_type == DeviceType.CPU ? randn(shape, dtype: x.dtype, device: x.device, generator: rng)
            : EngineDevice.SeededNormal(shape, rng, x.device).to(x.dtype);
    }

    /// <summary>x += gain · weight · noise, in place (inference only).</summary>
    internal void AddInPlace(Tensor x, Tensor? noise, Generator? rng, double gain)
    {
        using var scope = NewDisposeScope();
        noise ??= Draw(x, rng);
        x.add_(noise * (weight * gain));
    }
}

/// <summary>ModulatedConv2d → NoiseInjection → FusedLeakyReLU (keys <c>conv.*</c>, <c>noise.weight</c>, <c>activate.bias</c>).</summary>
public sealed class StyledConv : nn.Module
{
    readonly ModulatedConv2d conv;
    readonly NoiseInjection noise;
    readonly FusedLeakyRelu activate;

    public StyledConv(long inChannels, long outChannels, int kernelSize, long styleDim, bool upsample = false)
        : base(nameof(StyledConv))
    {
        conv = new ModulatedConv2d(inChannels, outChannels, kernelSize, styleDim, demodulate: true, upsample: upsample);
        noise = new NoiseInjection();
        activate = new FusedLeakyRelu(outChannels);
        register_module(nameof(conv), conv);
        register_module(nameof(noise), noise);
        register_module(nameof(activate), activate);
    }

    public ModulatedConv2d Conv => conv;

    public Tensor Forward(Tensor x, Tensor s, Tensor? noiseInput, Generator? rng = null)
    {
        using var scope = NewDisposeScope();
        if (is_grad_enabled())
        {
            var y = conv.Forward(x, s);
            y = noise.Forward(y, noiseInput, rng);
            return activate.forward(y).MoveToOuterDisposeScope();
        }
        // Inference: the same numbers with fewer passes over the activations (they dominate at high resolution):
        // lrelu(v)·√2 = lrelu(√2·v), so √2 is folded into the conv weights, the noise and the bias, and the rest is in place.
        // The bias goes in with the convolution (see ModulatedConv2d.Forward), one pass fewer over the output.
        var z = conv.Forward(x, s, gain: Math.Sqrt(2), bias: activate.Bias * Math.Sqrt(2));
        noise.AddInPlace(z, noiseInput, rng, Math.Sqrt(2));
        nn.functional.leaky_relu(z, 0.2, inplace: true);
        return z.MoveToOuterDisposeScope();
    }
}
