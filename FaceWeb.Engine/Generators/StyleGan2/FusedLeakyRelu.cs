using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Generators.StyleGan2;

/// <summary>leaky_relu(x + bias, 0.2)·√2; the √2 gain keeps the activation variance (StyleGAN2 appendix B).</summary>
public sealed class FusedLeakyRelu : nn.Module<Tensor, Tensor>
{
    readonly Parameter bias;  // [C]

    public FusedLeakyRelu(long channels) : base(nameof(FusedLeakyRelu))
    {
        bias = new Parameter(zeros(channels));
        register_parameter(nameof(bias), bias);
    }

    public override Tensor forward(Tensor x)  // [N,C,H,W]
    {
        using var scope = NewDisposeScope();
        return Activate(x + bias.view(1, -1, 1, 1)).MoveToOuterDisposeScope();
    }

    /// <summary>The bias [C] (StyledConv's inference path adds it inside the convolution).</summary>
    internal Tensor Bias => bias;

    public static Tensor Activate(Tensor x) => nn.functional.leaky_relu(x, 0.2).mul_(Math.Sqrt(2));
}
