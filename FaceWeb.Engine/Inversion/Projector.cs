// Optimisation-based inversion (projection): find W+ whose image matches a photo — the StyleGAN2 projector's idea
// (Karras et al. 2020 §5) with the losses e4e/StyleCLIP users know: pixels, identity (ArcFace) and a perceptual
// feature term measured in the text–image space's image tower. Can start from an encoder's W+ ("encoder + refine").
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.Identity;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Inversion;

public sealed record ProjectionOptions(int Steps = 200, double LearningRate = 0.05, double PixelLambda = 1, double IdLambda = 0.1,
    double FeatureLambda = 0.5, int FrameEvery = 20)
{
    public void Validate()
    {
        if (Steps < 1 || Steps > 10_000) throw new ArgumentException("steps must be between 1 and 10 000");
        if (!double.IsFinite(LearningRate) || LearningRate <= 0) throw new ArgumentException("the learning rate must be a positive number");
        if (new[] { PixelLambda, IdLambda, FeatureLambda }.Any(l => !double.IsFinite(l) || l < 0)) throw new ArgumentException("loss weights must be numbers ≥ 0");
        if (FrameEvery < 1) throw new ArgumentException("frames must come every ≥ 1 steps");
    }
}

/// <param name="Image">On frame steps and the last: [1,3,S,S]; <paramref name="Latent"/> [1,L,D]. The receiver disposes both.</param>
public sealed record ProjectionFrame(int Step, double Pixel, double Identity, Tensor? Image, Tensor? Latent);

public static class Projector
{
    /// <summary>Projects <paramref name="target"/> [1,3,S,S] in [−1,1] (S = the generator's size) from <paramref name="start"/>
    /// [1,L,D] (the mean latent or an encoder's W+). Identity and feature terms apply when their models are given.</summary>
    public static IEnumerable<ProjectionFrame> Run(StyleGan2Generator g, Tensor target, Tensor start, ProjectionOptions o,
        IIdentityModel? identity = null, ITextImageSpace? space = null, CancellationToken ct = default)
    {
        o.Validate();
        int s = g.Config.Size;
        if (target.dim() != 4 || target.shape[0] != 1 || target.shape[1] != 3 || target.shape[2] != s || target.shape[3] != s)
            throw new ArgumentException($"the photo must be [1,3,{s},{s}]");
        using var onDevice = target.to(g.Device);                                     // a photo enters on the CPU
        target = onDevice;
        if (start.dim() != 3 || start.shape[0] != 1 || start.shape[1] != g.Config.NLatent) throw new ArgumentException($"start must be one W+ latent [1,{g.Config.NLatent},D]");
        var w = new TorchSharp.Modules.Parameter(start.detach().clone(), requires_grad: true);
        Tensor? targetId = null, targetFeatures = null;
        using (no_grad())
        {
            if (identity is not null && o.IdLambda > 0) targetId = identity.Embed(target).DetachFromDisposeScope();
            if (space is not null && o.FeatureLambda > 0) targetFeatures = space.EmbedImages(target).DetachFromDisposeScope();
        }
        using var adam = optim.Adam([w], o.LearningRate);
        try
        {
            for (int step = 1; step <= o.Steps; step++)
            {
                ct.ThrowIfCancellationRequested();
                foreach (var group in adam.ParamGroups) group.LearningRate = LatentOptimizer.LearningRate((double)(step - 1) / o.Steps, o.LearningRate);
                ProjectionFrame frame;
                using (var scope = NewDisposeScope())
                {
                    var img = g.Synthesize(w);
                    var pixel = (img - target).square().mean();
                    var loss = o.PixelLambda * pixel;
                    double id = double.NaN;
                    if (targetId is not null)
                    {
                        var idLoss = identity!.IdLoss(img, targetId).mean();
                        loss = loss + o.IdLambda * idLoss;
                        id = 1 - idLoss.item<float>();
                    }
                    if (targetFeatures is not null) loss = loss + o.FeatureLambda * (1 - (space!.EmbedImages(img) * targetFeatures).sum(1)).mean();
                    adam.zero_grad();
                    loss.backward();
                    adam.step();
                    bool emit = step % o.FrameEvery == 0 || step == o.Steps;
                    frame = new ProjectionFrame(step, pixel.item<float>(), id, emit ? img.detach().MoveToOuterDisposeScope() : null,
                        emit ? w.detach().clone().MoveToOuterDisposeScope() : null);
                }
                yield return frame;
            }
        }
        finally
        {
            w.Dispose(); targetId?.Dispose(); targetFeatures?.Dispose();
        }
    }
}
