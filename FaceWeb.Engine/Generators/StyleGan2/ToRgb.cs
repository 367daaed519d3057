using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Generators.StyleGan2;

/// <summary>1×1 modulated conv to RGB without demodulation, plus the up-sampled skip image (StyleGAN2 §4.1, Fig. 7b).</summary>
public sealed class ToRgb : nn.Module
{
    readonly ModulatedConv2d conv;
    readonly Parameter bias;      // [1,3,1,1]
    readonly Upsample? upsample;

    public ToRgb(long inChannels, long styleDim, bool upsample = true) : base(nameof(ToRgb))
    {
        conv = new ModulatedConv2d(inChannels, 3, 1, styleDim, demodulate: false);
        bias = new Parameter(zeros(1, 3, 1, 1));
        register_module(nameof(conv), conv);
        register_parameter(nameof(bias), bias);
        if (upsample)
        {
            this.upsample = new Upsample();
            register_module(nameof(upsample), this.upsample);
        }
    }

    public ModulatedConv2d Conv => conv;

    public Tensor Forward(Tensor x, Tensor s, Tensor? skip)  // -> [N,3,H,W]
    {
        using var scope = NewDisposeScope();
        var y = conv.Forward(x, s) + bias;
        if (skip is not null) y = y + (upsample ?? throw new InvalidOperationException("the first ToRGB takes no skip")).forward(skip);
        return y.MoveToOuterDisposeScope();
    }
}
