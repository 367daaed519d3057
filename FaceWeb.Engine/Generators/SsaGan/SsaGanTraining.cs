// SSA-GAN's training (wtliao/text2image main.py `train`, after DF-GAN): hinge losses with a mismatched-text term and
// the matching-aware gradient penalty (MA-GP: ‖∇(x,s) D(x,s)‖₂⁶ on real pairs, weight 2), Adam β = (0, 0.9),
// learning rates 1e-4 (G) and 4e-4 (D); main.py's 0.05·DAMSM term becomes 0.05·(1 − cos) in the pack's text–image
// space. FaceWeb's text side (ADR 0009): the projection from the frozen sentence
// encoder's embeddings to the generator's sentence width is learned with the discriminator, and the generator gets
// the projected vectors detached, as it got DAMSM's frozen ones.
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.TextImage;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Generators.SsaGan;

public sealed record SsaGanTrainingOptions(int Steps = 2000, int Batch = 24, double LearningRateG = 1e-4, double LearningRateD = 4e-4,
    double GpWeight = 2, double GpPower = 6, double TextLambda = 0.05, int Seed = 0)
{
    public void Check()
    {
        if (Steps < 1 || Batch < 2) throw new ArgumentException("at least 1 step and a batch of 2 (the mismatch term pairs image i with caption i+1)");
        if (!(LearningRateG > 0) || !(LearningRateD > 0)) throw new ArgumentException("learning rates must be positive");
    }
}

/// <param name="Real">mean D(x, s) on real pairs; <paramref name="Fake"/> on generated ones (hinge: real → ≥ 1, fake → ≤ −1).</param>
public readonly record struct SsaGanStep(int Step, double LossD, double LossG, double GradientPenalty, double Real, double Fake);

public static class SsaGanTraining
{
    /// <summary>One yield per step (a D step, then a G step). <paramref name="captions"/>[i] are rows of
    /// <paramref name="textEmb"/> [M,E] (frozen, unit length) that describe <paramref name="images"/>[i]; each step pairs
    /// every image with one of its captions at random. Resumable: pass the state saved by <see cref="Save"/>.</summary>
    public static IEnumerable<SsaGanStep> Train(SsaGanModel model, NetD d, IReadOnlyList<FaceSample> images, IReadOnlyList<int[]> captions,
        Tensor textEmb, SsaGanTrainingOptions o, ITextImageSpace? space = null, int startStep = 0, CancellationToken ct = default)
    {
        o.Check();
        if (images.Count != captions.Count || images.Count < o.Batch) throw new ArgumentException($"need one caption list per image and at least {o.Batch} images");
        var g = model.Generator;
        var rng = new Random(o.Seed + startStep);
        var noiseRng = new TorchSharp.torch.Generator((ulong)(o.Seed * 7919 + startStep));
        var device = g.Device;
        using var optG = optim.Adam(g.parameters(), o.LearningRateG, beta1: 0.0, beta2: 0.9);
        using var optD = optim.Adam(d.parameters().Concat(model.named_parameters().Where(p => p.name.StartsWith("text_proj.", StringComparison.Ordinal)).Select(p => p.parameter)),
            o.LearningRateD, beta1: 0.0, beta2: 0.9);
        g.train(); d.train();
        bool oneDnn = TorchSetup.OneDnnEnabled;
        TorchSetup.OneDnnEnabled = false;        // oneDNN's AVX2 backward-data convolution gives NaN for G's 3- and 1-channel convs (ADR 0002)
        int[] order = [];
        int cursor = 0;
        try
        {
            for (int step = startStep; step < o.Steps; step++)
            {
                ct.ThrowIfCancellationRequested();
                if (cursor + o.Batch > order.Length) { order = Enumerable.Range(0, images.Count).OrderBy(_ => rng.Next()).ToArray(); cursor = 0; }
                var idx = order[cursor..(cursor + o.Batch)];
                cursor += o.Batch;
                SsaGanStep result;
                using (var scope = NewDisposeScope())
                {
                    var real = FaceDataset.Batch(idx.Select(i => images[i]).ToList(), rng).to(device);            // [B,3,64,64], mirrored at random
                    var rows = tensor(idx.Select(i => (long)captions[i][rng.Next(captions[i].Length)]).ToArray(), device: device);
                    var sent = model.Sentences(textEmb.index_select(0, rows));                                     // [B,S], learned with D
                    int b = o.Batch;
                    var noise = EngineDevice.SeededNormal([b, g.Config.NoiseDim], noiseRng, device);

                    // D: real pairs up, mismatched and generated pairs down (main.py's errD), then MA-GP.
                    var realFeatures = d.Features(real);
                    var realLogits = d.Logits(realFeatures, sent);
                    var errReal = nn.functional.relu(1.0 - realLogits).mean();
                    var mismatch = nn.functional.relu(1.0 + d.Logits(realFeatures[TensorIndex.Slice(0, b - 1)], sent[TensorIndex.Slice(1, b)])).mean();
                    var fake = g.Forward(noise, sent.detach()).Image;                                              // one forward, as main.py
                    var fakeLogits = d.Logits(d.Features(fake.detach()), sent.detach());
                    var errFake = nn.functional.relu(1.0 + fakeLogits).mean();
                    var errD = errReal + (errFake + mismatch) / 2.0;
                    optD.zero_grad();
                    errD.backward();
                    optD.step();

                    var x = real.detach().requires_grad_(true);
                    var s = sent.detach().requires_grad_(true);
                    var @out = d.Logits(d.Features(x), s);
                    var grads = torch.autograd.grad([@out], [x, s], [ones_like(@out)], retain_graph: true, create_graph: true);
                    var grad = cat([grads[0].view(b, -1), grads[1].view(b, -1)], 1);
                    var gp = (grad.square().sum(1) + 1e-12).sqrt().pow(o.GpPower).mean();                         // ε: sqrt's backward at 0 is NaN
                    var lossGp = o.GpWeight * gp;
                    optD.zero_grad();
                    lossGp.backward();
                    optD.step();

                    // G: fool D on (G(z, s), s); the text–image loss stands in for main.py's 0.05·DAMSM.
                    var errG = -d.Logits(d.Features(fake), sent.detach()).mean();
                    if (space is not null && o.TextLambda > 0) errG = errG + o.TextLambda * space.ClipLoss(fake, textEmb.index_select(0, rows)).mean();
                    optG.zero_grad();
                    errG.backward();
                    optG.step();

                    result = new SsaGanStep(step + 1, errD.item<float>(), errG.item<float>(), gp.item<float>(),
                        realLogits.mean().item<float>(), fakeLogits.mean().item<float>());
                }
                if (!double.IsFinite(result.LossD) || !double.IsFinite(result.LossG))
                    throw new InvalidOperationException($"SSA-GAN training diverged at step {result.Step} (D {result.LossD}, G {result.LossG})");
                yield return result;
            }
        }
        finally { g.eval(); d.eval(); TorchSetup.OneDnnEnabled = oneDnn; }
    }

    /// <summary>A resumable training state: the model (netG.*, text_proj.*), the discriminator (netD.*) and the step.</summary>
    public static void Save(string path, SsaGanModel model, NetD d, int step, string textEncoder)
    {
        var t = new Dictionary<string, Tensor>();
        foreach (var (k, v) in model.state_dict()) t[k] = v;
        foreach (var (k, v) in d.state_dict()) t["netD." + k] = v;
        SafeTensors.Save(path, t, new Dictionary<string, string> { ["kind"] = "ssagan-training", ["text"] = textEncoder, ["step"] = $"{step}" });
    }
}
