// A judge for the edits face-api.js has no network for (issue 18: blond hair and glasses). A small convolutional
// classifier trained from fresh weights on CelebA's training split (the 64 px framing of the pack's training faces),
// validated on CelebA's held-out split. It shares no weights with anything a pack is built from (FaceCLIP-mini, the
// pack's attribute classifier), so an edit that fools the pack's own guidance does not fool it by construction; it
// did see the same photographs as the generator, which is why it is validated on faces neither of them trained on.
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.TextImage;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Evaluation;

public sealed record CelebAJudgeOptions(int Epochs = 15, int Batch = 64, double LearningRate = 2e-3, double WeightDecay = 1e-4, int Shift = 4, int Seed = 0);

/// <summary>
/// x [N,3,64,64] in [−1,1] → logits [N,A] for CelebA attributes. Four blocks of conv 3×3 + batch norm + ReLU with a
/// 2× down-sampling each (64 → 4 px), global average pooling, dropout and one linear layer.
/// </summary>
public sealed class CelebAJudge : nn.Module<Tensor, Tensor>
{
    public const int Size = FaceDataset.Size;
    public const string Kind = "faceweb-celeba-judge";
    /// <summary>What the default judge is trained for: the issue's two edits without a face-api.js judge, and smile and
    /// gender as a cross-check against face-api.js on the same faces.</summary>
    public static readonly string[] DefaultAttributes = ["Blond_Hair", "Eyeglasses", "Smiling", "Male"];
    /// <summary>Where the repository keeps the default judge (outside every pack: a pack does not judge itself).</summary>
    public const string DefaultPath = "models/judges/celeba-attributes.safetensors";

    readonly Sequential features;
    readonly Dropout dropout;
    readonly Linear head;
    readonly string[] attributes;

    public CelebAJudge(IReadOnlyList<string> attributes, long width = 32) : base(nameof(CelebAJudge))
    {
        if (attributes.Count == 0 || attributes.Distinct().Count() != attributes.Count) throw new ArgumentException("the judge needs distinct attribute names");
        this.attributes = [.. attributes];
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        long inC = 3;
        for (int b = 0; b < 4; b++)
        {
            long outC = width << b;
            layers.Add(($"{3 * b}", nn.Conv2d(inC, outC, 3, stride: 2, padding: 1, bias: false)));   // halves the side
            layers.Add(($"{3 * b + 1}", nn.BatchNorm2d(outC)));
            layers.Add(($"{3 * b + 2}", nn.ReLU()));
            inC = outC;
        }
        features = nn.Sequential(layers);
        dropout = nn.Dropout(0.2);
        head = nn.Linear(inC, attributes.Count);
        RegisterComponents();
        eval();
    }

    public IReadOnlyList<string> Attributes => attributes;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = features.forward(x).mean([2, 3]);                          // [N,C·8]
        return head.forward(dropout.forward(h)).MoveToOuterDisposeScope();  // [N,A]
    }

    /// <summary>Faces [N,3,H,W] in [−1,1] (any size; resized to 64 px) → the logit of <paramref name="attribute"/> [N].</summary>
    public float[] Logits(Tensor faces, string attribute)
    {
        int i = Array.IndexOf(attributes, attribute);
        if (i < 0) throw new ArgumentException($"the judge has no attribute '{attribute}' (it has {string.Join(", ", attributes)})");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var x = faces.shape[2] == Size && faces.shape[3] == Size ? faces
            : nn.functional.interpolate(faces, [Size, Size], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        return forward(x.clamp(-1, 1).contiguous())[.., i].cpu().data<float>().ToArray();
    }

    /// <summary>Binary targets [N,A] from CelebA labels.</summary>
    public Tensor Targets(IReadOnlyList<FaceSample> rows) =>
        tensor(rows.SelectMany(r => attributes.Select(a => r.Labels.Attributes.Contains(a) ? 1f : 0f)).ToArray(), [rows.Count, attributes.Length]);

    /// <summary>
    /// AdamW with a cosine learning rate over <see cref="CelebAJudgeOptions.Epochs"/> passes of <paramref name="faces"/>
    /// (CelebA rows only), each face mirrored with probability ½ and shifted by up to ±Shift px (edges replicated);
    /// binary cross-entropy with each attribute's positives weighted by its negative/positive ratio. Yields the fraction
    /// done and the loss after every step.
    /// </summary>
    public IEnumerable<(double Fraction, double Loss)> Train(IReadOnlyList<FaceSample> faces, CelebAJudgeOptions o, CancellationToken ct = default)
    {
        if (o.Epochs < 1 || o.Batch < 2 || !(o.LearningRate > 0) || o.Shift < 0) throw new ArgumentException("epochs, batch and learning rate must be positive and the shift not negative");
        if (faces.Count < o.Batch) throw new ArgumentException($"the judge needs at least {o.Batch} training faces, got {faces.Count}");
        torch.manual_seed(o.Seed);
        var rng = new Random(o.Seed);
        Tensor posWeight;
        using (var t = Targets(faces))
        {
            var pos = t.mean([0]).clamp(0.01, 0.99);
            posWeight = ((1 - pos) / pos).detach();
        }
        using var _pw = posWeight;
        int perEpoch = faces.Count / o.Batch, total = perEpoch * o.Epochs;
        train();
        using var opt = optim.AdamW(parameters(), o.LearningRate, weight_decay: o.WeightDecay);
        var sched = optim.lr_scheduler.CosineAnnealingLR(opt, total);
        try
        {
            int step = 0;
            for (int epoch = 0; epoch < o.Epochs; epoch++)
            {
                var order = Enumerable.Range(0, faces.Count).OrderBy(_ => rng.Next()).ToArray();
                for (int b = 0; b < perEpoch; b++)
                {
                    ct.ThrowIfCancellationRequested();
                    double value;
                    using (var scope = NewDisposeScope())
                    {
                        var rows = order.Skip(b * o.Batch).Take(o.Batch).Select(i => faces[i]).ToList();
                        var x = Shifted(FaceDataset.Batch(rows, rng), o.Shift, rng);                       // [B,3,64,64]
                        var loss = nn.functional.binary_cross_entropy_with_logits(forward(x), Targets(rows), pos_weights: posWeight);
                        opt.zero_grad();
                        loss.backward();
                        opt.step();
                        sched.step();
                        value = loss.item<float>();
                    }
                    yield return (++step / (double)total, value);
                }
            }
        }
        finally { eval(); }
    }

    /// <summary>Each face moved by its own random offset of up to ±<paramref name="shift"/> px, edges replicated.</summary>
    static Tensor Shifted(Tensor x, int shift, Random rng)
    {
        if (shift == 0) return x;
        var padded = nn.functional.pad(x, [shift, shift, shift, shift], PaddingModes.Replicate);
        var views = new Tensor[x.shape[0]];
        for (int i = 0; i < views.Length; i++)
        {
            int dy = rng.Next(2 * shift + 1), dx = rng.Next(2 * shift + 1);
            views[i] = padded[i..(i + 1), .., dy..(dy + Size), dx..(dx + Size)];
        }
        return cat(views, 0).contiguous();
    }

    /// <summary>Held-out accuracy (logit &gt; 0), balanced accuracy (mean of the true-positive and true-negative rates) and
    /// ROC AUC (the chance that a face with the attribute scores above one without: what "the logit went up" relies on)
    /// per attribute, with the majority answer's accuracy beside them.</summary>
    public List<(string Attribute, int Count, double Accuracy, double Balanced, double Auc, double Majority)> Evaluate(IReadOnlyList<FaceSample> held, int batch = 256)
    {
        if (held.Count == 0) throw new ArgumentException("no held-out faces to evaluate on");
        var logits = new List<Tensor>();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        for (int s = 0; s < held.Count; s += batch)
            logits.Add(forward(FaceDataset.Batch(held.Skip(s).Take(batch).ToList())));
        var all = cat(logits, 0);
        var predicted = all.gt(0);
        var truth = Targets(held).gt(0.5);
        var result = new List<(string, int, double, double, double, double)>();
        for (int a = 0; a < attributes.Length; a++)
        {
            var p = predicted[.., a];
            var t = truth[.., a];
            double acc = p.eq(t).to(float32).mean().item<float>();
            double positives = t.to(float32).sum().item<float>(), negatives = held.Count - positives;
            double tpr = positives == 0 ? double.NaN : p.logical_and(t).to(float32).sum().item<float>() / positives;
            double tnr = negatives == 0 ? double.NaN : p.logical_not().logical_and(t.logical_not()).to(float32).sum().item<float>() / negatives;
            result.Add((attributes[a], held.Count, acc, (tpr + tnr) / 2, Auc(all[.., a].data<float>().ToArray(), t.data<bool>().ToArray()),
                Math.Max(positives, negatives) / held.Count));
        }
        return result;
    }

    /// <summary>ROC AUC by the rank-sum (Mann–Whitney U) formula, ties counted half; NaN when a class is empty.</summary>
    public static double Auc(IReadOnlyList<float> scores, IReadOnlyList<bool> positive)
    {
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        var ranks = new double[scores.Count];
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]]) j++;
            for (int k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2.0 + 1;             // mean rank of a run of ties
            i = j + 1;
        }
        long nPos = positive.Count(p => p), nNeg = positive.Count - nPos;
        if (nPos == 0 || nNeg == 0) return double.NaN;
        double rankSum = Enumerable.Range(0, ranks.Length).Where(i => positive[i]).Sum(i => ranks[i]);
        return (rankSum - nPos * (nPos + 1) / 2.0) / (nPos * (double)nNeg);
    }

    public void Save(string path) => SafeTensors.Save(path, state_dict(), new Dictionary<string, string>
    {
        ["kind"] = Kind, ["attributes"] = string.Join(',', attributes), ["trained_on"] = "celeba10k-89x109 training split (FaceCaptions.IsHeldOut false)",
    });

    /// <summary>Strict load; the width comes from the first convolution's shape.</summary>
    public static CelebAJudge Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no attribute judge there (faceweb train judge writes one).", path);
        var tensors = SafeTensors.Load(path, out var meta);
        try
        {
            if (!meta.TryGetValue("kind", out var kind) || kind != Kind || !meta.TryGetValue("attributes", out var names) || !tensors.TryGetValue("features.0.weight", out var w0))
                throw new CheckpointException($"{path}: not a FaceWeb CelebA judge (kind, attributes or features.0.weight missing).");
            var judge = new CelebAJudge(names.Split(','), w0.shape[0]);
            StrictLoader.Load(judge, tensors, path);
            judge.eval();
            return judge;
        }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }
}
