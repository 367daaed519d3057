// What TediGAN's in-domain regulariser needs of an encoder: images → W+, with gradients, whatever its input size.
using static TorchSharp.torch;

namespace FaceWeb.Engine.Inversion;

public interface IWPlusEncoder
{
    /// <summary>Generator images [N,3,H,W] in [−1,1] → W+ [N,L,D]; differentiable (no no_grad inside).</summary>
    Tensor Encode(Tensor images);

    /// <summary>L and D of the W+ [N,L,D] this encoder predicts.</summary>
    int StyleCount { get; }
    long StyleDim { get; }
}
