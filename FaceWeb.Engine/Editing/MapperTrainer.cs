// Training a StyleCLIP latent mapper for one text — Patashnik et al. 2021 §5 (mapper/training/coach.py):
// w′ = w + 0.1·M(w); loss = λ_CLIP·D_CLIP(G(w′), t) + λ_L2·‖w′ − w‖² (mean, as the reference) + λ_ID·ID loss(G(w′), G(w)),
// plus FaceWeb's λ_colour·‖c(G(w′)) − c(G(w))‖² on the face region's mean colour c (in [−1,1] units; issue 18, ADR 0015).
using FaceWeb.Engine.Generators;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.Identity;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Editing;

/// <param name="LearningRate">0.5, StyleCLIP's default: the mapper's EqualLinear layers have lr_mul 0.01.</param>
/// <param name="L2Lambda">λ_L2 = 0.8 as in the paper.</param>
/// <param name="IdLambda">λ_ID: 0.1 in the paper; needs an identity model, so 0 unless one is given.</param>
/// <param name="ColourLambda">λ_colour: keeps the face region's mean colour. Not in the paper, so 0 (off) by default; the
/// default pack's mappers use 20 (issue 18, ADR 0015).</param>
public sealed record MapperTrainingOptions(int Steps = 500, int Batch = 4, double LearningRate = 0.5, double L2Lambda = 0.8,
    double Truncation = 0.7, long Seed = 0, double IdLambda = 0, double ColourLambda = 0)
{
    public void Validate()
    {
        if (Steps < 1 || Batch < 1) throw new ArgumentException("steps and batch must be at least 1");
        if (!double.IsFinite(LearningRate) || LearningRate <= 0 || !double.IsFinite(L2Lambda) || L2Lambda < 0)
            throw new ArgumentException("the learning rate must be positive and λ_L2 ≥ 0");
        if (!double.IsFinite(IdLambda) || IdLambda < 0) throw new ArgumentException("λ_ID must be a number ≥ 0");
        if (!double.IsFinite(ColourLambda) || ColourLambda < 0) throw new ArgumentException("λ_colour must be a number ≥ 0");
    }
}

public static class MapperTrainer
{
    /// <summary>λ_colour for mappers trained on a pack: its manifest's <c>config.mapper_colour_lambda</c>, else 0 (the paper).</summary>
    public static double ColourLambdaOf(PackManifest? manifest) =>
        manifest?.Config is { } c && c.TryGetProperty("mapper_colour_lambda", out var v)
            ? v.ValueKind == System.Text.Json.JsonValueKind.Number && v.GetDouble() is var l && double.IsFinite(l) && l >= 0 ? l
                : throw new CheckpointException($"the pack's config.mapper_colour_lambda must be a number ≥ 0, got {v.GetRawText()}")
            : 0;

    /// <summary>Trains <paramref name="mapper"/> in place on sampled W+ (truncated, seeded) towards <paramref name="text"/> [E].
    /// Reports the progress fraction and mean CLIP loss; cancellable between steps.</summary>
    public static void Train(StyleClipMapper mapper, StyleGan2Generator g, ITextImageSpace space, Tensor text, MapperTrainingOptions o,
        IProgress<(double Fraction, double ClipLoss)>? progress = null, CancellationToken ct = default, IIdentityModel? identity = null)
    {
        foreach (var (step, clip) in Steps(mapper, g, space, text, o, identity))
        {
            ct.ThrowIfCancellationRequested();
            if (step % 10 == 0 || step == o.Steps) progress?.Report(((double)step / o.Steps, clip));
        }
    }

    /// <summary>The same training one step per item (so a scheduler can interleave other work; no torch scope spans a
    /// yield): yields the step number and that step's mean CLIP loss. Stop enumerating to stop training.</summary>
    public static IEnumerable<(int Step, double ClipLoss)> Steps(StyleClipMapper mapper, StyleGan2Generator g, ITextImageSpace space, Tensor text,
        MapperTrainingOptions o, IIdentityModel? identity = null)
    {
        o.Validate();
        if (o.IdLambda > 0 && identity is null) throw new ArgumentException("λ_ID needs an identity model (e.g. ArcFace IR-SE50)");
        var rng = new Generator((ulong)o.Seed);
        mapper.train();
        using var adam = optim.Adam(mapper.parameters(), o.LearningRate);
        try
        {
            for (int step = 1; step <= o.Steps; step++)
            {
                double clipValue;
                using (var scope = NewDisposeScope())
                {
                    Tensor w;
                    using (no_grad()) w = g.WPlusFromZ(EngineDevice.SeededNormal([o.Batch, g.Config.StyleDim], rng, g.Device), o.Truncation);
                    var edited = mapper.Edit(w);
                    var image = g.Synthesize(edited);
                    var clip = space.ClipLoss(image, text).mean();
                    var l2 = (edited - w).square().mean();
                    var loss = clip + o.L2Lambda * l2;
                    if (o.IdLambda > 0 || o.ColourLambda > 0)
                    {
                        Tensor before;
                        using (no_grad()) before = g.Synthesize(w);                          // [B,3,H,W]
                        if (o.IdLambda > 0)
                        {
                            Tensor source;
                            using (no_grad()) source = identity!.Embed(before);
                            loss = loss + o.IdLambda * identity.IdLoss(image, source).mean();
                        }
                        if (o.ColourLambda > 0)
                            loss = loss + o.ColourLambda * ((ImageTensors.FaceColour(image) - ImageTensors.FaceColour(before)) / 127.5).square().sum(1).mean();
                    }
                    adam.zero_grad();
                    loss.backward();
                    adam.step();
                    clipValue = clip.item<float>();
                }
                yield return (step, clipValue);
            }
        }
        finally { mapper.eval(); }
    }

    /// <summary>Mean CLIP loss of G(w + 0.1·M(w)) over held-out seeded latents (no gradients).</summary>
    public static double Evaluate(StyleClipMapper mapper, StyleGan2Generator g, ITextImageSpace space, Tensor text, int samples = 16,
        long seed = 1_000_003, double truncation = 0.7)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var w = g.WPlusFromZ(EngineDevice.SeededNormal([samples, g.Config.StyleDim], new Generator((ulong)seed), g.Device), truncation);
        return space.ClipLoss(g.Synthesize(mapper.Edit(w)), text).mean().item<float>();
    }

    /// <summary>Saves as safetensors with StyleCLIP's key names (<c>mapper.*</c>) plus the text as metadata.</summary>
    public static void Save(StyleClipMapper mapper, string path, string text) =>
        SafeTensors.Save(path, mapper.state_dict().ToDictionary(kv => "mapper." + kv.Key, kv => kv.Value),
            new Dictionary<string, string> { ["text"] = text, ["mapper_type"] = "LevelsMapper" });
}
