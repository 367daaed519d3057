// StyleCLIP latent optimisation — Patashnik et al. 2021, §4 (orpatashnik/StyleCLIP optimization/run_optimization.py):
// argmin_w  D_CLIP(G(w), t) + λ_L2 ‖w − w_s‖² (+ λ_ID identity loss), Adam with a cosine learning-rate ramp.
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.Identity;
using FaceWeb.Engine.Inversion;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Editing;

public sealed record OptimizationOptions(int Steps = 300, double LearningRate = 0.1, double L2Lambda = 0.008,
    double RampUp = 0.05, double RampDown = 0.25, int FrameEvery = 10, double IdLambda = 0, double OutsideLambda = 10, double DomainLambda = 0,
    int Views = 0, bool SharedOffset = false)
{
    public void Validate()
    {
        if (Steps < 1 || Steps > 100_000) throw new ArgumentException("steps must be between 1 and 100 000");
        if (!double.IsFinite(LearningRate) || LearningRate <= 0) throw new ArgumentException("the learning rate must be a positive number");
        if (!double.IsFinite(L2Lambda) || L2Lambda < 0) throw new ArgumentException("λ_L2 must be a number ≥ 0");
        if (FrameEvery < 1) throw new ArgumentException("frames must come every ≥ 1 steps");
        if (!double.IsFinite(IdLambda) || IdLambda < 0) throw new ArgumentException("λ_ID must be a number ≥ 0");
        if (!double.IsFinite(OutsideLambda) || OutsideLambda < 0) throw new ArgumentException("λ_outside must be a number ≥ 0");
        if (!double.IsFinite(DomainLambda) || DomainLambda < 0) throw new ArgumentException("λ_domain must be a number ≥ 0");
        if (Views is < 0 or > 32) throw new ArgumentException("views must be 0 (the image as it is) to 32");
    }
}

/// <param name="Image">Present on frame steps and the last step: [1,3,H,W], detached. The receiver disposes it.</param>
public sealed record OptimizationFrame(int Step, double Loss, double ClipLoss, double L2, Tensor? Image, Tensor? Latent, double IdLoss = 0);

public static class LatentOptimizer
{
    /// <summary>StyleCLIP's schedule: cosine ramp-down over the last <c>rampDown</c> of the run, linear ramp-up over the first <c>rampUp</c>.</summary>
    public static double LearningRate(double t, double initial, double rampDown = 0.25, double rampUp = 0.05)
    {
        double ramp = Math.Min(1, (1 - t) / rampDown);
        ramp = 0.5 - 0.5 * Math.Cos(ramp * Math.PI);
        return initial * ramp * Math.Min(1, t / rampUp);
    }

    /// <summary>Optimises a copy of <paramref name="start"/> [1,L,D] W+ towards <paramref name="text"/> [E] (a normalised
    /// embedding of <paramref name="space"/>). Yields a frame every <c>FrameEvery</c> steps and at the end; cancellable.
    /// With λ_ID &gt; 0, <paramref name="identity"/> keeps the face's identity: + λ_ID (1 − ⟨f(G(w)), f(G(w_s))⟩).
    /// With a <paramref name="region"/> mask [1,1,H,W] (1 = may change), changes outside it are penalised:
    /// + λ_outside · mean(((G(w) − G(w_s))·(1 − M))²) — SSA-GAN's semantic-spatial idea applied to editing.
    /// With an <paramref name="encoder"/>, TediGAN's in-domain regulariser (§3.3, after In-Domain GAN Inversion):
    /// + λ_domain · mean((w − E(G(w)))²), keeping w where the encoder maps real-looking faces.
    /// With <c>SharedOffset</c> the variable is one offset in W added to every row of the start (a move along W, not
    /// across W+: the start's mix of rows is kept). With <c>Views</c> &gt; 0 the CLIP loss is the mean over that many random views of G(w) (<see cref="TextImageSpaces.Views"/>).</summary>
    public static IEnumerable<OptimizationFrame> Run(StyleGan2Generator g, ITextImageSpace space, Tensor start, Tensor text,
        OptimizationOptions o, CancellationToken ct = default, IIdentityModel? identity = null, Tensor? region = null, IWPlusEncoder? encoder = null)
    {
        o.Validate();
        if (o.DomainLambda > 0 && encoder is null) throw new ArgumentException("λ_domain needs an encoder (e4e or the pack's)");
        if (encoder is not null && (encoder.StyleCount != g.Config.NLatent || encoder.StyleDim != g.Config.StyleDim))
            throw new ArgumentException($"the encoder predicts {encoder.StyleCount} styles of {encoder.StyleDim}; this generator needs {g.Config.NLatent} of {g.Config.StyleDim}");
        if (o.IdLambda > 0 && identity is null) throw new ArgumentException("λ_ID needs an identity model (e.g. ArcFace IR-SE50)");
        if (start.dim() != 3 || start.shape[0] != 1) throw new ArgumentException("start must be one W+ latent [1,L,D]");
        var ws = start.detach().clone();
        Tensor? sourceId = null, sourceImage = null, outside = null;
        if (region is not null)
        {
            int size = g.Config.Size;
            if (region.dim() != 4 || region.shape[0] != 1 || region.shape[1] != 1 || region.shape[2] != size || region.shape[3] != size)
                throw new ArgumentException($"the region mask must be [1,1,{size},{size}], got [{string.Join(",", region.shape)}]");
            outside = (1 - region.detach().to(float32).clamp(0, 1)).DetachFromDisposeScope();
        }
        using (no_grad())
        {
            if (o.IdLambda > 0 || region is not null) sourceImage = g.Synthesize(ws).DetachFromDisposeScope();
            if (o.IdLambda > 0) sourceId = identity!.Embed(sourceImage!).DetachFromDisposeScope();
        }
        // The variable: W+ itself, or (SharedOffset) one offset in W added to every row of the start.
        var param = new TorchSharp.Modules.Parameter(o.SharedOffset ? zeros([1, 1, start.shape[2]], device: start.device, dtype: start.dtype) : start.detach().clone(), requires_grad: true);
        var target = text.detach();
        var views = new Generator(0);                                                            // the same views for the same run
        using var adam = optim.Adam([param], o.LearningRate);
        try
        {
            for (int step = 1; step <= o.Steps; step++)
            {
                ct.ThrowIfCancellationRequested();
                foreach (var group in adam.ParamGroups) group.LearningRate = LearningRate((double)(step - 1) / o.Steps, o.LearningRate, o.RampDown, o.RampUp);
                OptimizationFrame frame;
                using (var scope = NewDisposeScope())
                {
                    var w = o.SharedOffset ? ws + param : param;
                    var img = g.Synthesize(w);
                    var clipLoss = (o.Views > 0 ? space.AugmentedClipLoss(img, target, o.Views, views) : space.ClipLoss(img, target)).sum();
                    var l2 = (w - ws).square().sum();
                    var idLoss = sourceId is null ? zeros(1, device: img.device).sum() : identity!.IdLoss(img, sourceId).sum();
                    var loss = clipLoss + o.L2Lambda * l2 + o.IdLambda * idLoss;
                    if (outside is not null) loss = loss + o.OutsideLambda * ((img - sourceImage!) * outside).square().mean();
                    if (o.DomainLambda > 0) loss = loss + o.DomainLambda * (w - encoder!.Encode(img)).square().mean();
                    adam.zero_grad();
                    loss.backward();
                    // A frame is its latent (before this step) and that latent's image as any later render makes it: without
                    // autograd (with it, rounding differs by ~1e-5, enough to flip a pixel of the PNG a room stores).
                    bool emit = step % o.FrameEvery == 0 || step == o.Steps;
                    var shown = emit ? w.detach().clone() : null;
                    Tensor? shownImage = null;
                    if (shown is not null) using (no_grad()) shownImage = g.Synthesize(shown);
                    adam.step();
                    frame = new OptimizationFrame(step, EngineDevice.Read(loss), EngineDevice.Read(clipLoss), EngineDevice.Read(l2),
                        shownImage?.MoveToOuterDisposeScope(), shown?.MoveToOuterDisposeScope(), EngineDevice.Read(idLoss));
                }
                yield return frame;
            }
        }
        finally
        {
            param.Dispose();
            ws.Dispose();
            sourceId?.Dispose();
            sourceImage?.Dispose();
            outside?.Dispose();
        }
    }
}
