// The default pack's attribute classifier: a multi-label head on the FaceCLIP-mini trunk for CelebA's 40 attributes
// (Liu et al. 2015) and a UTKFace age bucket; it scores generated faces for the pack's built-in InterFaceGAN sliders,
// as Shen et al. 2020 §3.1 scored theirs with pretrained attribute predictors.
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.TextImage;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Editing;

public sealed record AttributeTrainingOptions(int Steps = 3000, int Batch = 512, double LearningRate = 1e-3, double WeightDecay = 1e-4, int Seed = 0);

/// <param name="Majority">accuracy of always answering the more frequent class on the same rows.</param>
public sealed record AttributeAccuracy(string Attribute, int Count, double Accuracy, double Majority);

/// <summary>head(trunk features [N,C]) → [N, A + 4] logits: A binary attributes, then the 4 age buckets.</summary>
public sealed class AttributeClassifier : nn.Module<Tensor, Tensor>
{
    public static readonly string[] AgeBuckets = ["0-19", "20-39", "40-59", "60+"];
    static readonly double[] BucketCentres = [10, 30, 50, 70];          // years, for the expected age
    public const string Age = "Age";
    readonly Sequential head;
    readonly string[] attributes;

    public AttributeClassifier(IReadOnlyList<string> attributes, long features, long hidden = 256) : base(nameof(AttributeClassifier))
    {
        if (attributes.Count == 0 || attributes.Distinct().Count() != attributes.Count) throw new ArgumentException("the classifier needs distinct attribute names");
        this.attributes = attributes.ToArray();
        head = nn.Sequential(("0", nn.Linear(features, hidden)), ("1", nn.GELU()), ("2", nn.Linear(hidden, attributes.Count + AgeBuckets.Length)));
        RegisterComponents();
        eval();
    }

    public IReadOnlyList<string> Attributes => attributes;

    public override Tensor forward(Tensor features) => head.forward(features);

    public static int AgeBucket(int years) => years switch { < 20 => 0, < 40 => 1, < 60 => 2, _ => 3 };

    /// <summary>
    /// Score per image for <paramref name="attribute"/>: the logit of a binary attribute, or the expected age in years
    /// under the bucket probabilities for <see cref="Age"/>. [N,C] features → [N].
    /// </summary>
    public Tensor Score(Tensor features, string attribute)
    {
        using var scope = NewDisposeScope();
        var logits = forward(features);
        if (attribute == Age)
            return (logits[.., attributes.Length..].softmax(1) * tensor(BucketCentres, dtype: logits.dtype, device: logits.device)).sum(1).MoveToOuterDisposeScope();
        int i = Array.IndexOf(attributes, attribute);
        if (i < 0) throw new ArgumentException($"the classifier has no attribute '{attribute}' (it has {Age}, {string.Join(", ", attributes)})");
        return logits[.., i].MoveToOuterDisposeScope();
    }

    /// <summary>Binary targets [N,A] with a mask [N,A] (1 = labelled) and age buckets [N] (−1 = unlabelled).</summary>
    public static (Tensor Targets, Tensor Mask, Tensor Ages) Targets(IReadOnlyList<FaceLabels> rows, IReadOnlyList<string> attributes)
    {
        int a = attributes.Count, male = attributes.ToList().IndexOf("Male");
        var t = new float[rows.Count * a];
        var m = new float[rows.Count * a];
        var ages = new long[rows.Count];
        for (int r = 0; r < rows.Count; r++)
        {
            var l = rows[r];
            ages[r] = l.Age is int y ? AgeBucket(y) : -1;
            if (l.Source == "celeba")
                for (int k = 0; k < a; k++) { t[r * a + k] = l.Attributes.Contains(attributes[k]) ? 1 : 0; m[r * a + k] = 1; }
            else if (l.Gender is not null && male >= 0) { t[r * a + male] = l.Gender == "male" ? 1 : 0; m[r * a + male] = 1; }   // UTKFace: gender only
        }
        return (tensor(t, [rows.Count, a]), tensor(m, [rows.Count, a]), tensor(ages));
    }

    /// <summary>Masked binary cross-entropy over the labelled attributes plus cross-entropy over labelled age buckets.</summary>
    public Tensor Loss(Tensor features, Tensor targets, Tensor mask, Tensor ages)
    {
        using var scope = NewDisposeScope();
        var logits = forward(features);
        int a = attributes.Length;
        var bce = nn.functional.binary_cross_entropy_with_logits(logits[.., ..a], targets, reduction: nn.Reduction.None);
        var loss = (bce * mask).sum() / mask.sum().clamp_min(1);
        var labelled = ages.ge(0);
        if (labelled.any().item<bool>())
            loss = loss + nn.functional.cross_entropy(logits[.., a..][labelled], ages[labelled]);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Adam on precomputed trunk features (the trunk stays frozen); one yield per step with the loss.</summary>
    public IEnumerable<(int Step, double Loss)> Train(Tensor features, Tensor targets, Tensor mask, Tensor ages, AttributeTrainingOptions o,
        CancellationToken ct = default)
    {
        if (o.Steps < 1 || o.Batch < 1 || !(o.LearningRate > 0)) throw new ArgumentException("steps, batch and learning rate must be positive");
        torch.manual_seed(o.Seed);
        var gen = new Generator((ulong)o.Seed);
        train();
        using var opt = optim.AdamW(parameters(), o.LearningRate, weight_decay: o.WeightDecay);
        try
        {
            for (int step = 1; step <= o.Steps; step++)
            {
                ct.ThrowIfCancellationRequested();
                double value;
                using (var scope = NewDisposeScope())
                {
                    var idx = randint(features.shape[0], [Math.Min(o.Batch, features.shape[0])], generator: gen);
                    var loss = Loss(features.index_select(0, idx), targets.index_select(0, idx), mask.index_select(0, idx), ages.index_select(0, idx));
                    opt.zero_grad();
                    loss.backward();
                    opt.step();
                    value = loss.item<float>();
                }
                yield return (step, value);
            }
        }
        finally { eval(); }
    }

    /// <summary>Held-out accuracy per attribute (logit &gt; 0) on labelled rows, the age bucket and gender on UTKFace rows.</summary>
    public List<AttributeAccuracy> Evaluate(Tensor features, IReadOnlyList<FaceLabels> rows)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var (targets, mask, ages) = Targets(rows, attributes);
        var logits = forward(features);
        var result = new List<AttributeAccuracy>();
        int a = attributes.Length;
        var utk = tensor(rows.Select(r => r.Source == "utk").ToArray());
        var celeba = utk.logical_not();
        for (int k = 0; k < a; k++)
        {
            foreach (var (name, rowsMask) in attributes[k] == "Male"
                         ? new[] { ("Male (CelebA)", celeba), ("Male (UTKFace gender)", utk) } : [(attributes[k], celeba)])
            {
                var sel = mask[.., k].gt(0).logical_and(rowsMask);
                long n = sel.sum().item<long>();
                if (n == 0) continue;
                var truth = targets[.., k][sel].gt(0.5);
                double acc = logits[.., k][sel].gt(0).eq(truth).to(float32).mean().item<float>();
                double pos = truth.to(float32).mean().item<float>();
                result.Add(new AttributeAccuracy(name, (int)n, acc, Math.Max(pos, 1 - pos)));
            }
        }
        var aged = ages.ge(0);
        long na = aged.sum().item<long>();
        if (na > 0)
        {
            var truth = ages[aged];
            double acc = logits[.., a..][aged].argmax(1).eq(truth).to(float32).mean().item<float>();
            double majority = truth.bincount(null).max().item<long>() / (double)na;
            result.Add(new AttributeAccuracy("Age bucket (UTKFace)", (int)na, acc, majority));
        }
        return result;
    }

    public void Save(string path) => SafeTensors.Save(path, state_dict(), new Dictionary<string, string>
    {
        ["kind"] = "faceweb-attributes", ["attributes"] = string.Join(',', attributes), ["age_buckets"] = string.Join(',', AgeBuckets),
        ["trunk"] = "faceclip-mini-image",
    });

    public static AttributeClassifier Load(string path)
    {
        var tensors = SafeTensors.Load(path, out var meta);
        try
        {
            if (!meta.TryGetValue("attributes", out var names) || !tensors.TryGetValue("head.0.weight", out var w0))
                throw new CheckpointException($"{path}: not a FaceWeb attribute classifier (attributes metadata or head.0.weight missing).");
            var c = new AttributeClassifier(names.Split(','), w0.shape[1], w0.shape[0]);
            StrictLoader.Load(c, tensors, path);
            return c;
        }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }
}

/// <summary>An <see cref="IAttributeScorer"/> from the classifier on the FaceCLIP-mini trunk; <paramref name="sign"/> −1 flips it (beard = −No_Beard).</summary>
public sealed class ClassifierScorer(FaceClipImageTower trunk, AttributeClassifier classifier, string name, string attribute, double sign = 1) : IAttributeScorer
{
    public string Attribute => name;

    public Tensor Score(Tensor images)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return (classifier.Score(trunk.Features(images), attribute) * sign).MoveToOuterDisposeScope();
    }

    /// <summary>The default pack's built-in sliders: slider name → (classifier attribute, sign, whether the attribute is
    /// a colour: those are not conditioned on the face's brightness).</summary>
    public static readonly IReadOnlyList<(string Slider, string Attribute, double Sign, bool AboutColour)> BuiltIn =
    [
        ("age", AttributeClassifier.Age, 1, false), ("smiling", "Smiling", 1, false), ("male", "Male", 1, false),
        ("eyeglasses", "Eyeglasses", 1, false), ("blond hair", "Blond_Hair", 1, true), ("beard", "No_Beard", -1, false),
        ("bangs", "Bangs", 1, false), ("heavy makeup", "Heavy_Makeup", 1, false),
    ];
}
