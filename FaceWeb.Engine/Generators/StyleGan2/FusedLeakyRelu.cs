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

    /// <summary>x ← leaky_relu(x + gain·bias, 0.2) for an x already scaled by gain (= √2), in place (inference only).</summary>
    internal void ApplyInPlace(Tensor x, double gain)
    {
        using var scope = NewDisposeScope();
        x.add_((bias * gain).view(1, -1, 1, 1));
        nn.functional.leaky_relu(x, 0.2, inplace: true);
    }

    public static Tensor Activate(Tensor x) => nn.functional.leaky_relu(x, 0.2).mul_(Math.Sqrt(2));
}
