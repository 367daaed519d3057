using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Generators.StyleGan2;

/// <summary>Linear layer with the equalised learning rate (Karras et al. 2018 §4.1):
/// y = x·(W·lr_mul/√in)ᵀ + b·lr_mul, optionally followed by the fused leaky ReLU (×√2).</summary>
public sealed class EqualLinear : nn.Module<Tensor, Tensor>
{
    readonly Parameter weight;  // [out,in]
    readonly Parameter bias;    // [out]
    readonly double scale, lrMul;
    readonly bool activate;

    public EqualLinear(long inDim, long outDim, double lrMul = 1, double biasInit = 0, bool activate = false)
        : base(nameof(EqualLinear))
    {
        weight = new Parameter(randn(outDim, inDim).div_(lrMul));
        bias = new Parameter(full(outDim, biasInit));
        scale = 1.0 / Math.Sqrt(inDim) * lrMul;
        this.lrMul = lrMul;
        this.activate = activate;
        register_parameter(nameof(weight), weight);
        register_parameter(nameof(bias), bias);
    }

    public long OutFeatures => weight.shape[0];

    public override Tensor forward(Tensor x)  // [N,in] -> [N,out]
    {
        using var scope = NewDisposeScope();
        var y = nn.functional.linear(x, weight * scale, bias * lrMul);
        if (activate) y = FusedLeakyRelu.Activate(y);
        return y.MoveToOuterDisposeScope();
    }
}
