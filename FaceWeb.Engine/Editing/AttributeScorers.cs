// Attribute scorers for InterFaceGAN boundaries (Shen et al. 2020 §3.1 used pretrained attribute classifiers).
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Editing;

/// <summary>Scores generated images for one attribute (higher = more of it).</summary>
public interface IAttributeScorer
{
    string Attribute { get; }

    /// <summary>Generator output [N,3,H,W] in [−1,1] → [N] scores (no gradient).</summary>
    Tensor Score(Tensor images);
}

/// <summary>Any attribute a user can type: sim(image, "a photo of a person with {attribute}") − sim(image, "a photo of a person").</summary>
public sealed class TextAttributeScorer : IAttributeScorer
{
    readonly ITextImageSpace space;
    readonly Tensor direction;   // [E]: attribute prompt − neutral prompt embeddings

    public TextAttributeScorer(ITextImageSpace space, string attribute, string template = "a photo of a person with {}", string neutral = "a photo of a person")
    {
        if (string.IsNullOrWhiteSpace(attribute)) throw new ArgumentException("the attribute needs a name");
        this.space = space;
        Attribute = attribute.Trim();
        using var e = space.EmbedTexts([template.Replace("{}", Attribute), neutral]);
        direction = (e[0] - e[1]).detach().clone();
    }

    public string Attribute { get; }

    public Tensor Score(Tensor images)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return space.EmbedImages(images).matmul(direction).MoveToOuterDisposeScope();
    }
}

/// <summary>The face region's brightness in 0–255 levels: the mean over channels of <see cref="Generators.ImageTensors.FaceColour"/>
/// (the middle half of the frame; issue 18's colour measure). A condition for sliders that should keep the skin tone
/// (InterFaceGAN §2.2).</summary>
public sealed class FaceBrightnessScorer : IAttributeScorer
{
    public const string Name = "face brightness";

    public string Attribute => Name;

    public Tensor Score(Tensor images)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return Generators.ImageTensors.FaceColour(images).mean([1]).MoveToOuterDisposeScope();   // [N]
    }
}
