using static TorchSharp.torch;

namespace FaceWeb.Engine.Generators.StyleGan2;

/// <summary>x · rsqrt(mean(x², dim=1) + 1e-8) — ProGAN §4.2, the first layer of the mapping network.</summary>
public sealed class PixelNorm() : nn.Module<Tensor, Tensor>(nameof(PixelNorm))
{
    public override Tensor forward(Tensor x) => x * rsqrt(x.square().mean([1], keepdim: true) + 1e-8);
}
