// A pack's own encoder, e4e's recipe scaled to a CPU (Tov et al. 2021 §3: W+ as the average latent plus predicted
// offsets, trained on the generator's own samples with a latent loss and an image loss through the frozen generator).
// Inversion starts from it ("encoder + refine") when the pack has one.
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.TextImage;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Inversion;

/// <param name="MixProbability">how often a sample's rows come from two latents (style mixing), so W+ is covered.</param>
/// <param name="ImageEvery">the image loss (a backward pass through the generator, the costly part) every this many steps.</param>
public sealed record EncoderTrainingOptions(int Steps = 2000, int Batch = 16, double LearningRate = 1e-3, double ImageLambda = 1,
    double MixProbability = 0.5, double MinTruncation = 0.6, int Seed = 0, int ImageEvery = 4)
{
    public void Validate()
    {
        if (Steps < 1 || Batch < 1 || ImageEvery < 1) throw new ArgumentException("steps, batch and the image-loss interval must be ≥ 1");
        if (!(LearningRate > 0) || ImageLambda < 0 || MixProbability is < 0 or > 1 || MinTruncation is <= 0 or > 1)
            throw new ArgumentException("learning rate > 0, image λ ≥ 0, mix probability and minimum truncation in (0, 1]");
    }
}

/// <param name="ImageLoss">0 on steps without the image loss.</param>
public readonly record struct EncoderStep(int Step, double LatentLoss, double ImageLoss);

/// <summary>[N,3,S,S] in [−1,1] → W+ [N,L,D] = latent_avg + offsets (a <see cref="ConvTrunk"/>, pooled, then linear).</summary>
public sealed class PackEncoder : nn.Module<Tensor, Tensor>, IWPlusEncoder
{
    readonly Sequential features;
    readonly Linear head;
    readonly Tensor latent_avg;
    readonly int nLatent, styleDim;

    public PackEncoder(int nLatent, int styleDim, long width = 32) : base(nameof(PackEncoder))
    {
        (this.nLatent, this.styleDim) = (nLatent, styleDim);
        (features, long c) = ConvTrunk.Build(width);
        head = nn.Linear(c, (long)nLatent * styleDim);
        latent_avg = zeros(styleDim);
        RegisterComponents();
        eval();
    }

    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        images = images.to(head.weight.device);                                                               // a photo enters on the CPU
        var x = images.shape[2] == FaceClipImageTower.InputSize && images.shape[3] == FaceClipImageTower.InputSize ? images
            : nn.functional.interpolate(images, [FaceClipImageTower.InputSize, FaceClipImageTower.InputSize], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        var offsets = head.forward(features.forward(x).mean([2, 3])).view(-1, nLatent, styleDim);          // [N,L,D]
        return (latent_avg.view(1, 1, -1) + offsets).MoveToOuterDisposeScope();
    }

    public Tensor Encode(Tensor images) => forward(images);

    public int StyleCount => nLatent;
    public long StyleDim => styleDim;

    /// <summary>One W+ for a photo [1,3,S,S], without gradients.</summary>
    public Tensor Invert(Tensor image)
    {
        using var _ = no_grad();
        return forward(image);
    }

    /// <summary>Trains on the generator's samples; one yield per step. The generator is not changed. <paramref name="input"/>
    /// turns a batch of samples into what the encoder sees (default: the images themselves; a sketch encoder: their sketches).</summary>
    public IEnumerable<EncoderStep> Train(StyleGan2Generator g, EncoderTrainingOptions o, CancellationToken ct = default, Func<Tensor, Tensor>? input = null)
    {
        o.Validate();
        if (g.Config.NLatent != nLatent || g.Config.StyleDim != styleDim) throw new ArgumentException($"the encoder predicts [{nLatent},{styleDim}], the generator takes [{g.Config.NLatent},{g.Config.StyleDim}]");
        using (no_grad()) latent_avg.copy_(g.LatentAvg);
        var rng = new Generator((ulong)o.Seed);
        var coin = new Random(o.Seed);
        var frozen = g.parameters().Select(p => (p, p.requires_grad)).ToList();
        foreach (var (p, _) in frozen) p.requires_grad_(false);
        train();
        using var opt = optim.Adam(parameters(), o.LearningRate);
        try
        {
            for (int step = 1; step <= o.Steps; step++)
            {
                ct.ThrowIfCancellationRequested();
                double latentLoss, imageLoss;
                using (var scope = NewDisposeScope())
                {
                    Tensor wplus, image;
                    using (no_grad())
                    {
                        double psi = o.MinTruncation + (1 - o.MinTruncation) * coin.NextDouble();
                        wplus = g.WPlusFromZ(EngineDevice.SeededNormal([o.Batch, styleDim], rng, g.Device), psi);                    // [B,L,D]
                        if (coin.NextDouble() < o.MixProbability)
                        {
                            var other = g.WPlusFromZ(EngineDevice.SeededNormal([o.Batch, styleDim], rng, g.Device), psi);
                            int cross = coin.Next(1, nLatent);
                            wplus = cat([wplus[.., ..cross], other[.., cross..]], 1);
                        }
                        image = g.Synthesize(wplus);
                    }
                    var predicted = forward(input is null ? image : input(image));
                    var lLatent = (predicted - wplus).square().mean();
                    var loss = lLatent;
                    var lImage = zeros(1, device: g.Device);
                    if (o.ImageLambda > 0 && step % o.ImageEvery == 0)
                    {
                        lImage = (g.Synthesize(predicted) - image).square().mean();
                        loss = loss + o.ImageLambda * lImage;
                    }
                    opt.zero_grad();
                    loss.backward();
                    opt.step();
                    (latentLoss, imageLoss) = (lLatent.item<float>(), lImage.sum().item<float>());
                }
                if (!double.IsFinite(latentLoss) || !double.IsFinite(imageLoss)) throw new InvalidOperationException($"encoder training diverged at step {step}; lower the learning rate.");
                yield return new EncoderStep(step, latentLoss, imageLoss);
            }
        }
        finally
        {
            eval();
            foreach (var (p, was) in frozen) p.requires_grad_(was);
        }
    }

    public const string Kind = "faceweb-encoder";

    /// <summary>Writes the weights with their <paramref name="kind"/> (and <paramref name="metadata"/>); <paramref name="half"/>
    /// stores them as float16.</summary>
    public void Save(string path, string kind = Kind, bool half = false, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var scope = NewDisposeScope();
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>()) { ["kind"] = kind };
        SafeTensors.Save(path, state_dict().ToDictionary(kv => kv.Key, kv => half && kv.Value.is_floating_point() ? kv.Value.to(float16) : kv.Value), meta);
    }

    /// <summary>A photo encoder; a file of another kind (e.g. a sketch encoder) is refused.</summary>
    public static PackEncoder Load(string path) => Load(path, Kind);

    internal static PackEncoder Load(string path, string kind) => Load(path, kind, out _);

    /// <param name="meta">the file's safetensors metadata (empty for a PyTorch pickle).</param>
    internal static PackEncoder Load(string path, string kind, out Dictionary<string, string> meta)
    {
        meta = [];
        using var sd = path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? new StateDict(SafeTensors.Load(path, out meta), path) : CheckpointReader.Load(path);
        if (meta.TryGetValue("kind", out var k) && k != kind) throw new CheckpointException($"{path}: a {k}, not a {kind}.");
        if (!sd.Contains("head.weight") || !sd.Contains("latent_avg") || !sd.Contains("features.0.weight"))
            throw new CheckpointException($"{sd.Source}: not a FaceWeb pack encoder (head, latent_avg or features missing).");
        long d = sd["latent_avg"].shape[0], outputs = sd["head.weight"].shape[0];
        if (outputs % d != 0) throw new CheckpointException($"{sd.Source}: head.weight has {outputs} outputs, not a multiple of style_dim {d}.");
        var e = new PackEncoder((int)(outputs / d), (int)d, sd["features.0.weight"].shape[0]);
        StrictLoader.Load(e, sd.Tensors, sd.Source);
        return e;
    }
}
