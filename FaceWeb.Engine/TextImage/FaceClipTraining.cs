// Training and measuring FaceCLIP-mini: locked-text contrastive tuning (Zhai et al. 2022, LiT) of the image tower
// against MiniLM caption embeddings; retrieval recall@k and zero-shot attribute accuracy as CLIP reports them (§3.1).
using TorchSharp;
using static TorchSharp.torch;

namespace FaceWeb.Engine.TextImage;

/// <param name="Views">each face is seen through one random view per step (<see cref="TextImageSpaces.Views"/>: the crop,
/// shift, mirror and noise that text guidance averages over), not only mirrored (issue 18, item 2).</param>
public sealed record FaceClipTrainingOptions(int Steps = 1500, int Batch = 256, double LearningRate = 2e-3, double WeightDecay = 0.05,
    int Warmup = 100, int Seed = 0, bool Views = false)
{
    public void Check()
    {
        if (Steps < 1 || Batch < 2) throw new ArgumentException("FaceCLIP training needs at least 1 step and a batch of at least 2.");
        if (!(LearningRate > 0) || WeightDecay < 0 || Warmup < 0) throw new ArgumentException("learning rate must be > 0, weight decay and warm-up ≥ 0.");
    }
}

public readonly record struct FaceClipStep(int Step, double Loss, double Scale, double LearningRate);

/// <param name="TextToImage">recall@1 and @5 of the image given its caption; ImageToText the other way round.</param>
public sealed record RetrievalScores(int Count, double TextToImageR1, double TextToImageR5, double ImageToTextR1, double ImageToTextR5)
{
    public double Chance => 1.0 / Count;
}

/// <param name="Majority">accuracy of always answering the more frequent label.</param>
/// <param name="Auc">how often a positive image scores above a negative one on sim(with) − sim(without) (0.5 = chance).</param>
public sealed record ZeroShotRow(string Attribute, int Count, double Positives, double Accuracy, double Majority, double Auc);

public static class FaceClipTraining
{
    /// <summary>
    /// One yield per optimiser step. <paramref name="captions"/>[i] are rows of <paramref name="textEmb"/> ([M,E],
    /// unit length, frozen) that describe <paramref name="train"/>[i]; each step pairs every image of the batch with one
    /// of its captions at random. AdamW, linear warm-up then cosine decay; images are mirrored at random, or seen through
    /// random views with <see cref="FaceClipTrainingOptions.Views"/>.
    /// </summary>
    public static IEnumerable<FaceClipStep> Train(FaceClipImageTower tower, IReadOnlyList<FaceSample> train, IReadOnlyList<int[]> captions,
        Tensor textEmb, FaceClipTrainingOptions o, CancellationToken ct = default)
    {
        o.Check();
        if (train.Count != captions.Count || train.Count < o.Batch) throw new ArgumentException($"need one caption list per image and at least {o.Batch} images.");
        var rng = new Random(o.Seed);
        using var viewRng = new Generator((ulong)o.Seed);
        torch.manual_seed(o.Seed);
        tower.train();
        using var opt = optim.AdamW(tower.parameters(), o.LearningRate, weight_decay: o.WeightDecay);
        int[] order = [];
        int cursor = 0;
        try
        {
            for (int step = 0; step < o.Steps; step++)
            {
                ct.ThrowIfCancellationRequested();
                if (cursor + o.Batch > order.Length) { order = Enumerable.Range(0, train.Count).OrderBy(_ => rng.Next()).ToArray(); cursor = 0; }
                var idx = order[cursor..(cursor + o.Batch)];
                cursor += o.Batch;
                double lr = o.LearningRate * (step < o.Warmup ? (step + 1.0) / o.Warmup
                    : 0.5 * (1 + Math.Cos(Math.PI * (step - o.Warmup) / Math.Max(1, o.Steps - o.Warmup))));
                foreach (var g in opt.ParamGroups) g.LearningRate = lr;
                double loss, scale;
                using (var scope = NewDisposeScope())
                {
                    var images = FaceDataset.Batch(idx.Select(i => train[i]).ToList(), rng);                 // [B,3,64,64]
                    if (o.Views) images = TextImageSpaces.Views(images, 1, viewRng);
                    var rows = tensor(idx.Select(i => (long)captions[i][rng.Next(captions[i].Length)]).ToArray());
                    var text = textEmb.index_select(0, rows);                                             // [B,E]
                    var l = tower.ContrastiveLoss(tower.forward(images), text);
                    opt.zero_grad();
                    l.backward();
                    opt.step();
                    loss = l.item<float>();
                    scale = tower.Scale.item<float>();
                }
                if (!double.IsFinite(loss)) throw new InvalidOperationException($"FaceCLIP training diverged at step {step + 1} (loss {loss}); lower the learning rate.");
                yield return new FaceClipStep(step + 1, loss, scale, lr);
            }
        }
        finally { tower.eval(); }
    }

    /// <summary>Unit-length image embeddings [N,E] of samples, in batches, without gradients.</summary>
    public static Tensor EmbedImages(FaceClipImageTower tower, IReadOnlyList<FaceSample> samples, int batch = 256)
    {
        using var _ = no_grad();
        var parts = new List<Tensor>();
        for (int i = 0; i < samples.Count; i += batch)
        {
            using var x = FaceDataset.Batch(samples.Skip(i).Take(batch).ToList());
            parts.Add(tower.forward(x));
        }
        var all = cat(parts, 0);
        foreach (var p in parts) p.Dispose();
        return all;
    }

    /// <summary>Recall@1/@5 both ways for matched rows: image i goes with caption i ([N,E] each).</summary>
    public static RetrievalScores Retrieval(Tensor imageEmb, Tensor textEmb)
    {
        using var scope = NewDisposeScope();
        var sims = textEmb.matmul(imageEmb.t());                                                        // [N texts, N images]
        long n = sims.shape[0];
        var target = arange(n).view(-1, 1);
        double Recall(Tensor s, int k) => s.topk(Math.Min(k, (int)n), dim: 1).indexes.eq(target).any(1).to(float32).mean().item<float>();
        return new RetrievalScores((int)n, Recall(sims, 1), Recall(sims, 5), Recall(sims.t(), 1), Recall(sims.t(), 5));
    }

    /// <summary>
    /// Zero-shot binary accuracy per CelebA attribute: an image counts as positive when it is closer to the attribute's
    /// "with" prompt than to its "without" prompt (<see cref="FaceCaptions.ZeroShotPrompts"/>).
    /// </summary>
    public static List<ZeroShotRow> ZeroShot(Tensor imageEmb, IReadOnlyList<FaceLabels> labels, ITextImageSpace text)
    {
        if (imageEmb.shape[0] != labels.Count) throw new ArgumentException("one label row per image embedding");
        var rows = new List<ZeroShotRow>();
        foreach (var (attr, (with, without)) in FaceCaptions.ZeroShotPrompts)
        {
            using var scope = NewDisposeScope();
            var t = text.EmbedTexts([with, without]);                                                   // [2,E]
            var sims = imageEmb.matmul(t.t());                                                           // [N,2]
            var predicted = sims.argmax(1).eq(0);                                                         // [N] bool
            bool[] positive = labels.Select(l => l.Attributes.Contains(attr)).ToArray();
            var truth = tensor(positive);
            double pos = truth.to(float32).mean().item<float>();
            double acc = predicted.eq(truth).to(float32).mean().item<float>();
            rows.Add(new ZeroShotRow(attr, labels.Count, pos, acc, Math.Max(pos, 1 - pos), Auc((sims[.., 0] - sims[.., 1]).data<float>().ToArray(), positive)));
        }
        return rows;
    }

    /// <summary>Area under the ROC curve by ranks (Mann–Whitney U); ties count half. NaN when one class is empty.</summary>
    public static double Auc(float[] scores, bool[] positive)
    {
        var order = Enumerable.Range(0, scores.Length).OrderBy(i => scores[i]).ToArray();
        var rank = new double[scores.Length];
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]]) j++;
            for (int k = i; k <= j; k++) rank[order[k]] = (i + j) / 2.0 + 1;
            i = j + 1;
        }
        long np = positive.Count(p => p), nn = positive.Length - np;
        if (np == 0 || nn == 0) return double.NaN;
        double sum = Enumerable.Range(0, scores.Length).Where(i => positive[i]).Sum(i => rank[i]);
        return (sum - np * (np + 1) / 2.0) / (np * (double)nn);
    }
}
