// The joint text–image space every text-driven method measures in (StyleCLIP, TediGAN, text-to-face).
using TorchSharp;
using static TorchSharp.torch;

namespace FaceWeb.Engine.TextImage;

public interface ITextImageSpace : IDisposable
{
    string Name { get; }
    int EmbedDim { get; }

    /// <summary>SHA-256 of the file the image side was loaded from, when the space knows it (null for a space built in
    /// memory). Results computed through the image side (fs3) record it, so that a later run never mixes two towers.</summary>
    string? ImageWeightsSha256 => null;

    /// <summary>Texts → [N,E], L2-normalised, without gradients.</summary>
    Tensor EmbedTexts(IReadOnlyList<string> texts);

    /// <summary>Generator output [N,3,H,W] in [−1,1] → [N,E], L2-normalised, differentiable (own preprocessing).</summary>
    Tensor EmbedImages(Tensor generated);

    /// <summary>Moves the space's weights to <paramref name="device"/>; text embeddings are then made there too.</summary>
    void MoveTo(Device device);
}

public static class TextImageSpaces
{
    /// <summary>
    /// The space a command or the app uses: OpenAI CLIP when a checkpoint and vocabulary are given, else the pack's own
    /// FaceCLIP-mini when it has one, else null.
    /// </summary>
    public static ITextImageSpace? Open(string? clip, string? vocab, string? packDir)
    {
        if (clip is not null || vocab is not null)
            return clip is not null && vocab is not null ? ClipSpace.Load(clip, vocab)
                : throw new ArgumentException("CLIP needs both a checkpoint and its vocabulary (bpe_simple_vocab_16e6.txt.gz)");
        return packDir is null ? null : FaceClipSpace.FromPack(Checkpoints.ModelPack.Load(packDir));
    }

    /// <summary>Prompt ensembling (CLIP §3.1.4, as StyleCLIP's GetDt uses it): embed <paramref name="text"/> in every
    /// template ("a photo of a {}."), normalise each, average, normalise again. → [E]</summary>
    public static Tensor EmbedEnsemble(this ITextImageSpace space, string text, IReadOnlyList<string> templates)
    {
        if (templates.Count == 0) throw new ArgumentException("at least one template is needed");
        if (templates.Any(t => !t.Contains("{}"))) throw new ArgumentException("every template needs a {} placeholder");
        using var scope = NewDisposeScope();
        var each = space.EmbedTexts(templates.Select(t => t.Replace("{}", text)).ToList());   // already normalised
        return Ensemble(each).MoveToOuterDisposeScope();
    }

    /// <summary>[T,E] per-template embeddings → [E]: normalise rows, mean, normalise.</summary>
    public static Tensor Ensemble(Tensor perTemplate)
    {
        using var scope = NewDisposeScope();
        var mean = nn.functional.normalize(perTemplate, dim: -1).mean([0]);
        return nn.functional.normalize(mean, dim: 0).MoveToOuterDisposeScope();
    }

    /// <summary><paramref name="k"/> random views of each image, differentiable (issue 18: an image tower is fooled by
    /// pixels that only work in one exact framing; a loss over views asks for what survives them): a square crop of
    /// 75–100 % of the side at a random place, resized back, mirrored half the time, plus N(0, 0.03) noise.
    /// [N,3,H,W] → [N·k,3,H,W] (each image's views together); <paramref name="rng"/> is a CPU generator.</summary>
    public static Tensor Views(Tensor images, int k, Generator rng)
    {
        if (k < 1) throw new ArgumentException("at least one view");
        using var scope = NewDisposeScope();
        long n = images.shape[0], m = n * k;
        var dev = images.device;
        var x = images.repeat_interleave(k, 0);                                                  // [N·k,3,H,W]
        var scale = (0.75 + 0.25 * rand([m], generator: rng)).to(dev);
        var shift = ((rand([m, 2], generator: rng) * 2 - 1).to(dev) * (1 - scale).unsqueeze(1));
        var flip = where(rand([m], generator: rng).lt(0.5), -1.0, 1.0).to(dev);
        var zero = zeros([m], device: dev);
        var theta = stack([stack([scale * flip, zero, shift[.., 0]], 1), stack([zero, scale, shift[.., 1]], 1)], 1).to(x.dtype);   // [N·k,2,3]
        var grid = nn.functional.affine_grid(theta, [m, 3, images.shape[2], images.shape[3]], align_corners: false);
        var views = nn.functional.grid_sample(x, grid, mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Reflection, align_corners: false);
        return (views + 0.03 * randn(views.shape, generator: rng).to(dev)).MoveToOuterDisposeScope();
    }

    /// <summary><see cref="ClipLoss"/> averaged over <paramref name="k"/> random <see cref="Views"/> of each image. [N]</summary>
    public static Tensor AugmentedClipLoss(this ITextImageSpace space, Tensor generated, Tensor textEmbedding, int k, Generator rng)
    {
        using var scope = NewDisposeScope();
        return space.ClipLoss(Views(generated, k, rng), textEmbedding).view(generated.shape[0], k).mean([1]).MoveToOuterDisposeScope();
    }

    /// <summary>CLIP loss as StyleCLIP uses it: 1 − cos(image, text), per image. [N]</summary>
    public static Tensor ClipLoss(this ITextImageSpace space, Tensor generated, Tensor textEmbedding)
    {
        using var scope = NewDisposeScope();
        var img = space.EmbedImages(generated);
        var txt = textEmbedding.dim() == 1 ? textEmbedding.unsqueeze(0) : textEmbedding;
        return (1 - (img * txt).sum(-1)).MoveToOuterDisposeScope();
    }
}

/// <summary>OpenAI CLIP as a text–image space.</summary>
public sealed class ClipSpace(Clip clip, ClipTokenizer tokenizer, string? checkpoint = null) : ITextImageSpace
{
    readonly Lazy<string?> weightsSha256 = new(() => checkpoint is null ? null : Checkpoints.ModelPack.Sha256Of(checkpoint));

    public static ClipSpace Load(string checkpoint, string vocab) => new(Clip.Load(checkpoint), ClipTokenizer.Load(vocab), checkpoint);

    public string Name => "CLIP";
    public string? ImageWeightsSha256 => weightsSha256.Value;
    public int EmbedDim => clip.Config.EmbedDim;
    public Clip Model => clip;

    public Tensor EmbedTexts(IReadOnlyList<string> texts)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var tokens = tensor(texts.SelectMany(tokenizer.Tokenize).ToArray(), [texts.Count, ClipTokenizer.ContextLength], device: clip.Device);
        return nn.functional.normalize(clip.EncodeText(tokens), dim: -1).MoveToOuterDisposeScope();
    }

    public Tensor EmbedImages(Tensor generated)
    {
        using var scope = NewDisposeScope();
        return nn.functional.normalize(clip.EncodeImage(clip.Preprocess(generated)), dim: -1).MoveToOuterDisposeScope();
    }

    public void MoveTo(Device device) => clip.to(device);

    public void Dispose() => clip.Dispose();
}
