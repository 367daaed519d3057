// Text → W prior in the spirit of Text-to-Face-with-StyleGAN2 (a sentence embedding mapped into W by a small network).
// Here the sentence and the image share one text–image space, so the mapper is trained on generated samples only:
// regression ‖f(e) − w‖² on (image embedding e = E(G(w)), w) pairs keeps f in W's distribution, and a cycle term
// 1 − cos(E(G(f(u))), u) on image embeddings and on a bank of captions makes f land where the image means u.
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.TextImage;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Editing;

public sealed record PriorTrainingOptions(int Steps = 300, int Batch = 8, int Samples = 512, double LearningRate = 1e-3,
    double CycleLambda = 1, double Truncation = 0.7, long Seed = 0)
{
    public void Validate()
    {
        if (Steps < 1 || Batch < 1 || Samples < Batch) throw new ArgumentException("steps and batch must be ≥ 1 and samples ≥ batch");
        if (!double.IsFinite(LearningRate) || LearningRate <= 0 || !double.IsFinite(CycleLambda) || CycleLambda < 0)
            throw new ArgumentException("the learning rate must be positive and λ_cycle ≥ 0");
    }
}

/// <summary>f: embedding [N,E] → W [N,D] = w_avg + MLP(e) (Linear → LeakyReLU(0.2) → Linear → LeakyReLU → Linear).</summary>
public sealed class TextToWPrior : nn.Module<Tensor, Tensor>
{
    readonly Sequential net;
    readonly Tensor w_avg;

    public TextToWPrior(long embedDim, long styleDim, long hidden = 512) : base(nameof(TextToWPrior))
    {
        net = nn.Sequential(("0", nn.Linear(embedDim, hidden)), ("1", nn.LeakyReLU(0.2)), ("2", nn.Linear(hidden, hidden)),
            ("3", nn.LeakyReLU(0.2)), ("4", nn.Linear(hidden, styleDim)));
        w_avg = zeros(styleDim);
        RegisterComponents();
        eval();
    }

    public long EmbedDim => ((Linear)net[0]).weight.shape[1];

    public override Tensor forward(Tensor e) => w_avg + net.forward(e);

    /// <summary>Text embeddings [N,E] → W+ [N,L,D] for <paramref name="g"/>.</summary>
    public Tensor WPlus(StyleGan2Generator g, Tensor e)
    {
        using var scope = NewDisposeScope();
        return g.Broadcast(forward(e)).MoveToOuterDisposeScope();
    }

    public static TextToWPrior Load(string path)
    {
        using var sd = CheckpointReader.Load(path);
        if (!sd.Contains("net.0.weight") || !sd.Contains("net.4.weight")) throw new CheckpointException($"{sd.Source}: not a text→W prior (net.0/net.4 missing).");
        var prior = new TextToWPrior(sd["net.0.weight"].shape[1], sd["net.4.weight"].shape[0], sd["net.0.weight"].shape[0]);
        StrictLoader.Load(prior, sd.Tensors, sd.Source);
        return prior;
    }

    public void Save(string path, string spaceName) =>
        SafeTensors.Save(path, state_dict(), new Dictionary<string, string> { ["kind"] = "text-to-w-prior", ["space"] = spaceName });

    /// <summary>Trains the prior on <paramref name="g"/>'s samples and the captions' embeddings; progress = fraction, loss.</summary>
    public void Train(StyleGan2Generator g, ITextImageSpace space, IReadOnlyList<string> captions, PriorTrainingOptions o,
        IProgress<(double Fraction, double Loss)>? progress = null, CancellationToken ct = default)
    {
        o.Validate();
        if (space.EmbedDim != EmbedDim) throw new ArgumentException($"the prior takes {EmbedDim}-d embeddings, the space gives {space.EmbedDim}");
        var rng = new Generator((ulong)o.Seed);
        Tensor ws, es, ts;
        using (no_grad())
        {
            w_avg.copy_(g.LatentAvg);
            ws = g.Truncate(g.Map(EngineDevice.SeededNormal([o.Samples, g.Config.StyleDim], rng, g.Device)), o.Truncation);      // [S,D]
            es = cat(Enumerable.Range(0, (o.Samples + 31) / 32).Select(i => space.EmbedImages(
                g.Synthesize(g.Broadcast(ws[TensorIndex.Slice(i * 32, Math.Min(o.Samples, (i + 1) * 32))])))).ToArray(), 0);
            ts = captions.Count > 0 ? space.EmbedTexts(captions) : empty(0, space.EmbedDim, device: g.Device);
        }
        train();
        using var adam = optim.Adam(parameters(), o.LearningRate);
        try
        {
            for (int step = 1; step <= o.Steps; step++)
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var idx = randint(o.Samples, [o.Batch], generator: rng).to(g.Device);
                var (w, e) = (ws.index_select(0, idx), es.index_select(0, idx));
                var regression = (forward(e) - w).square().mean();
                var u = ts.shape[0] > 0 ? cat([e[TensorIndex.Slice(0, (o.Batch + 1) / 2)], ts.index_select(0, randint(ts.shape[0], [o.Batch / 2], generator: rng).to(g.Device))], 0) : e;
                var cycle = space.ClipLoss(g.Synthesize(WPlus(g, u)), u).mean();      // 1 − cos(E(G(f(u))), u)
                var loss = regression + o.CycleLambda * cycle;
                adam.zero_grad();
                loss.backward();
                adam.step();
                if (step % 10 == 0 || step == o.Steps) progress?.Report(((double)step / o.Steps, loss.item<float>()));
            }
        }
        finally
        {
            eval();
            ws.Dispose(); es.Dispose(); ts.Dispose();
        }
    }

    /// <summary>A bank of face captions for training (FaceWeb's own; subjects × attributes).</summary>
    public static IReadOnlyList<string> Captions { get; } =
    [
        .. from s in new[] { "a man", "a woman", "a young man", "a young woman", "an old man", "an old woman", "a child", "a person" }
           from a in new[] { "", " with blond hair", " with black hair", " with grey hair", " with red hair", " smiling", " with glasses",
                             " with a beard", " with bangs", " wearing lipstick", " with curly hair", " looking sad", " with a wide smile" }
           select s + a,
    ];
}
