// Identity models: what the ID loss of StyleCLIP (λ_ID), TediGAN's instance optimisation and the identity metric measure in.
using FaceWeb.Engine.FaceApi;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Identity;

public interface IIdentityModel : IDisposable
{
    string Name { get; }
    long EmbedDim { get; }

    /// <summary>Generator output [N,3,H,W] in [−1,1] → [N,E], L2-normalised, differentiable (own preprocessing).</summary>
    Tensor Embed(Tensor generated);

    /// <summary>Moves the model's weights to <paramref name="device"/>.</summary>
    void MoveTo(Device device);
}

public static class IdentityModels
{
    /// <summary>"faceapi" → face-api.js's recognition net from the restored npm package; anything else is an ArcFace
    /// IR-SE50 checkpoint path (<c>model_ir_se50.pth</c>).</summary>
    public static IIdentityModel Open(string spec) => spec.Equals("faceapi", StringComparison.OrdinalIgnoreCase)
        ? FaceApiIdentity.Load(FaceApi.FaceApiModels.Directory())
        : ArcFaceIdentity.Load(spec);

    /// <summary>ID loss as pSp/StyleCLIP define it: 1 − ⟨f(ŷ), f(y)⟩ per image, with the reference side detached. [N]</summary>
    public static Tensor IdLoss(this IIdentityModel model, Tensor generated, Tensor referenceEmbedding) =>
        1 - (model.Embed(generated) * referenceEmbedding.detach()).sum(1);

    /// <summary>Cosine similarity of two sets of faces, no gradient. [N]</summary>
    public static Tensor Similarity(this IIdentityModel model, Tensor a, Tensor b)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return (model.Embed(a) * model.Embed(b)).sum(1).MoveToOuterDisposeScope();
    }
}
