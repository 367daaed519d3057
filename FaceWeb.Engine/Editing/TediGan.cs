// TediGAN — Xia et al., "TediGAN: Text-Guided Diverse Face Image Generation and Manipulation" (CVPR 2021), §3.3–3.4:
// a visual input (sketch) and a text control different W+ layer ranges (style mixing by layers), found by
// instance-level optimisation. Its text encoder was never released; its runnable path is CLIP-guided optimisation
// from the mean latent, which `TextToFace` below is.
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.TextImage;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Editing;

/// <param name="SplitRow">W+ rows below it follow the sketch, rows from it the text; −1 = <see cref="TediGan.DefaultSplit"/>.</param>
/// <param name="Threshold">Soft threshold of the normalised Sobel magnitude (0–1) that counts as an edge.</param>
public sealed record SketchOptions(int Steps = 200, double LearningRate = 0.1, int SplitRow = -1, double SketchLambda = 1,
    double TextLambda = 1, double Threshold = 0.1, double Sharpness = 25, int FrameEvery = 10, double L2Lambda = 0.008)
{
    public void Validate(int nLatent)
    {
        if (Steps < 1 || Steps > 100_000) throw new ArgumentException("steps must be between 1 and 100 000");
        if (!double.IsFinite(LearningRate) || LearningRate <= 0) throw new ArgumentException("the learning rate must be a positive number");
        if (SplitRow != -1 && (SplitRow < 1 || SplitRow >= nLatent)) throw new ArgumentException($"the split row must be in 1..{nLatent - 1}");
        if (!double.IsFinite(SketchLambda) || SketchLambda < 0 || !double.IsFinite(TextLambda) || TextLambda < 0 || !double.IsFinite(L2Lambda) || L2Lambda < 0) throw new ArgumentException("the loss weights must be numbers ≥ 0");
        if (FrameEvery < 1) throw new ArgumentException("frames must come every ≥ 1 steps");
    }
}

/// <param name="Image">On frame steps and the last step: [1,3,H,W], detached; the receiver disposes it (and <paramref name="Latent"/>).</param>
public sealed record SketchFrame(int Step, double SketchLoss, double TextLoss, Tensor? Image, Tensor? Latent);

public static class TediGan
{
    /// <summary>Rows 0…split−1 take the visual input, the rest the text: StyleGAN's coarse and middle styles (rows 0–7)
    /// at 1024 px, half the rows for smaller generators.</summary>
    public static int DefaultSplit(int nLatent) => Math.Min(8, nLatent / 2);

    /// <summary>The mean latent as W+. [1,L,D]</summary>
    public static Tensor MeanStart(StyleGan2Generator g) => g.Broadcast(g.LatentAvg.view(1, -1)).clone();

    /// <summary>Of the mean latent and <paramref name="candidates"/> random truncated latents, the W+ whose image is
    /// closest to <paramref name="text"/> [E] (TediGAN-style start: "a few random starts, best kept"). [1,L,D]</summary>
    public static Tensor BestStart(StyleGan2Generator g, ITextImageSpace space, Tensor text, int candidates, long seed, double psi = 0.7)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var starts = cat([MeanStart(g), g.WPlusFromZ(EngineDevice.SeededNormal([candidates, g.Config.StyleDim], new Generator((ulong)seed), g.Device), psi)], 0);
        var losses = cat(Enumerable.Range(0, candidates + 1).Chunk(8)
            .Select(c => space.ClipLoss(g.Synthesize(starts[TensorIndex.Slice(c[0], c[^1] + 1)]), text)).ToArray(), 0);
        return starts[TensorIndex.Slice(losses.argmin().item<long>(), losses.argmin().item<long>() + 1)].clone().MoveToOuterDisposeScope();
    }

    /// <summary>Differentiable edge map: grey level → Sobel magnitude (normalised to 0–1) → soft threshold → Gaussian blur.
    /// [N,3,H,W] in [−1,1] → [N,1,H,W] in [0,1].</summary>
    public static Tensor EdgeMap(Tensor images, double threshold = 0.1, double sharpness = 25)
    {
        using var scope = NewDisposeScope();
        var magnitude = SobelMagnitude(((images.mean([1], keepdim: true) + 1) / 2).clamp(0, 1));
        return Blur(nn.functional.sigmoid(sharpness * (magnitude - threshold))).MoveToOuterDisposeScope();
    }

    /// <summary>A drawn sketch [1,1,h,w] or [h,w] in [0,1] (dark strokes on white) → the edge target [1,1,S,S] at the
    /// generator's resolution, blurred like <see cref="EdgeMap"/>.</summary>
    public static Tensor SketchTarget(Tensor sketch, int size)
    {
        using var scope = NewDisposeScope();
        var s = sketch.dim() == 2 ? sketch.view(1, 1, sketch.shape[0], sketch.shape[1]) : sketch;
        if (s.dim() != 4 || s.shape[0] != 1 || s.shape[1] != 1) throw new ArgumentException($"a sketch is one grey image [1,1,H,W], got [{string.Join(",", sketch.shape)}]");
        if (!s.isfinite().all().item<bool>()) throw new ArgumentException("the sketch contains NaN or infinite values");
        var strokes = (1 - s.to(float32).clamp(0, 1));
        if (strokes.shape[2] != size || strokes.shape[3] != size)
            strokes = nn.functional.interpolate(strokes, [size, size], mode: InterpolationMode.Area);
        return Blur((strokes * 2).clamp(0, 1)).MoveToOuterDisposeScope();   // ×2: thin strokes survive downsampling
    }

    /// <summary>Squared error with stroke pixels weighted 10×: strokes are a few percent of the canvas, and an unweighted
    /// loss is lowest for an image with no edges at all. → scalar</summary>
    public static Tensor SketchLoss(Tensor edges, Tensor target) => ((edges - target).square() * (1 + 9 * target)).mean();

    /// <summary>Sobel gradient magnitude of grey levels in [0,1], normalised to 0–1. [N,1,H,W] → [N,1,H,W]</summary>
    internal static Tensor SobelMagnitude(Tensor grey)
    {
        long h = grey.shape[2], w = grey.shape[3];
        var p = nn.functional.pad(grey, [1, 1, 1, 1], PaddingModes.Reflect);
        // Sobel as shifted slices (no convolution kernel): P(dy, dx) is the padded image shifted by (dy, dx).
        Tensor P(long dy, long dx) => p[.., .., TensorIndex.Slice(dy, dy + h), TensorIndex.Slice(dx, dx + w)];
        var gx = P(0, 2) + 2 * P(1, 2) + P(2, 2) - P(0, 0) - 2 * P(1, 0) - P(2, 0);
        var gy = P(2, 0) + 2 * P(2, 1) + P(2, 2) - P(0, 0) - 2 * P(0, 1) - P(0, 2);
        return (gx.square() + gy.square() + 1e-8).sqrt() / (4 * Math.Sqrt(2));
    }

    internal static Tensor Blur(Tensor x)   // 5×5 Gaussian (binomial 1 4 6 4 1)/16, separable, reflect padding; shifted slices, no kernel
    {
        long h = x.shape[2], w = x.shape[3];
        float[] k = [1 / 16f, 4 / 16f, 6 / 16f, 4 / 16f, 1 / 16f];
        var p = nn.functional.pad(x, [2, 2, 2, 2], PaddingModes.Reflect);
        var rows = Enumerable.Range(0, 5).Select(i => k[i] * p[.., .., .., TensorIndex.Slice(i, i + w)]).Aggregate((a, b) => a + b);
        return Enumerable.Range(0, 5).Select(i => k[i] * rows[.., .., TensorIndex.Slice(i, i + h), ..]).Aggregate((a, b) => a + b);
    }

    /// <summary>Sketch (+ optional caption) → face: the rows below the split are optimised so the edge map of G(w) matches
    /// the sketch; the rows from the split so G(w) matches <paramref name="text"/> [E] (when given). Each loss is
    /// back-propagated only into its own rows (one render per active loss). Adam with StyleCLIP's cosine ramp; frames streamed; cancellable.</summary>
    public static IEnumerable<SketchFrame> SketchToFace(StyleGan2Generator g, Tensor sketchTarget, ITextImageSpace? space, Tensor? text,
        Tensor start, SketchOptions o, CancellationToken ct = default)
    {
        int l = g.Config.NLatent;
        o.Validate(l);
        if ((space is null) != (text is null)) throw new ArgumentException("a caption needs a text–image space");
        if (start.dim() != 3 || start.shape[0] != 1 || start.shape[1] != l) throw new ArgumentException($"start must be one W+ latent [1,{l},D]");
        if (sketchTarget.dim() != 4 || sketchTarget.shape[2] != g.Config.Size) throw new ArgumentException($"the sketch target must be [1,1,{g.Config.Size},{g.Config.Size}] (SketchTarget)");
        int split = o.SplitRow == -1 ? DefaultSplit(l) : o.SplitRow;
        var coarse = new TorchSharp.Modules.Parameter(start[.., TensorIndex.Slice(0, split)].detach().clone(), requires_grad: true);
        var fine = new TorchSharp.Modules.Parameter(start[.., TensorIndex.Slice(split, l)].detach().clone(), requires_grad: true);
        var target = sketchTarget.detach().to(g.Device);                   // a drawing enters on the CPU
        var (coarseStart, fineStart) = (coarse.detach().clone(), fine.detach().clone());
        using var adam = optim.Adam([coarse, fine], o.LearningRate);
        try
        {
            for (int step = 1; step <= o.Steps; step++)
            {
                ct.ThrowIfCancellationRequested();
                foreach (var group in adam.ParamGroups) group.LearningRate = LatentOptimizer.LearningRate((double)(step - 1) / o.Steps, o.LearningRate);
                SketchFrame frame;
                using (var scope = NewDisposeScope())
                {
                    // Each loss moves only its own rows: it is computed on a render where the other rows are detached.
                    // λ_L2 keeps both near the start (an instance-level regulariser). With both losses on, that is two renders.
                    bool useSketch = o.SketchLambda > 0, useText = text is not null && o.TextLambda > 0;
                    adam.zero_grad();
                    Tensor? img = null, sketchLoss = null; double textLoss = 0;
                    if (useSketch || !useText)
                    {
                        img = g.Synthesize(cat([coarse, fine.detach()], 1));
                        sketchLoss = SketchLoss(EdgeMap(img, o.Threshold, o.Sharpness), target);
                        (o.SketchLambda * sketchLoss + o.L2Lambda * (coarse - coarseStart).square().sum()).backward();
                    }
                    if (useText)
                    {
                        var textImg = g.Synthesize(cat([coarse.detach(), fine], 1));
                        var t = space!.ClipLoss(textImg, text!).sum();
                        (o.TextLambda * t + o.L2Lambda * (fine - fineStart).square().sum()).backward();
                        textLoss = t.item<float>();
                        img ??= textImg;
                    }
                    else if (text is not null)
                        using (no_grad()) textLoss = space!.ClipLoss(img!, text).sum().item<float>();
                    using (no_grad()) sketchLoss ??= SketchLoss(EdgeMap(img!, o.Threshold, o.Sharpness), target);
                    double sketchValue = sketchLoss.item<float>();
                    if (!double.IsFinite(sketchValue) || !double.IsFinite(textLoss))
                        throw new InvalidOperationException($"sketch → face diverged at step {step} (a loss is not a number); try a lower learning rate");
                    // A frame is its latent (before this step) and that latent's image as any later render makes it (no autograd).
                    bool emit = step % o.FrameEvery == 0 || step == o.Steps;
                    var shown = emit ? cat([coarse, fine], 1).detach().clone() : null;
                    Tensor? shownImage = null;
                    if (shown is not null) using (no_grad()) shownImage = g.Synthesize(shown);
                    adam.step();
                    frame = new SketchFrame(step, sketchValue, textLoss, shownImage?.MoveToOuterDisposeScope(), shown?.MoveToOuterDisposeScope());
                }
                yield return frame;
            }
        }
        finally
        {
            coarse.Dispose();
            fine.Dispose();
            coarseStart.Dispose();
            fineStart.Dispose();
        }
    }
}
