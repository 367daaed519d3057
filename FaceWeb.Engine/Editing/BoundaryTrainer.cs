// InterFaceGAN boundary training — Shen et al. 2020 §3.1 (genforce/interfacegan utils/manipulator.py train_boundary):
// sample latents, render, score, keep the top and bottom ratio, split 70/30, fit a linear SVM, n = w/‖w‖.
using System.Globalization;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Generators.StyleGan2;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Editing;

public enum LatentSpace { Z, W }

public sealed record BoundaryOptions(int Samples = 10_000, double Ratio = 0.02, double Split = 0.7, LatentSpace Space = LatentSpace.W,
    long Seed = 0, int Batch = 64, int SvmIterations = 200)
{
    public void Validate()
    {
        if (Samples < 20) throw new ArgumentException("at least 20 samples are needed");
        if (!(Ratio > 0 && Ratio <= 0.5)) throw new ArgumentException("the ratio must be in (0, 0.5]");
        if (!(Split > 0 && Split < 1)) throw new ArgumentException("the split must be in (0, 1)");
    }
}

/// <param name="ConditionedOn">the attribute whose boundary the normal was projected off (conditional manipulation), if any;
/// the accuracies are the SVM's before the projection.</param>
public sealed record TrainedBoundary(Tensor Normal, LatentSpace Space, double ValidationAccuracy, double TrainAccuracy, int TrainPerSide,
    int ValidationPerSide, string? ConditionedOn = null);

public static class BoundaryTrainer
{
    sealed class Row
    {
        [VectorType] public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    /// <summary>Samples and scores latents (several scorers at once share the renders). → codes [N,D], scores [N] per scorer.</summary>
    public static (Tensor Codes, Tensor[] Scores) Sample(StyleGan2Generator g, IReadOnlyList<IAttributeScorer> scorers, BoundaryOptions o,
        IProgress<double>? progress = null, CancellationToken ct = default)
    {
        var codes = new List<Tensor>();
        var scores = scorers.Select(_ => new List<Tensor>()).ToArray();
        foreach (var batch in SampleBatches(g, scorers, o))
        {
            ct.ThrowIfCancellationRequested();
            codes.Add(batch.Codes);
            for (int i = 0; i < scorers.Count; i++) scores[i].Add(batch.Scores[i]);
            progress?.Report(batch.Fraction);
        }
        using var scope = NewDisposeScope();
        var result = (cat(codes, 0).MoveToOuterDisposeScope(), scores.Select(s => cat(s, 0).MoveToOuterDisposeScope()).ToArray());
        foreach (var t in codes.Concat(scores.SelectMany(s => s))) t.Dispose();
        return result;
    }

    /// <summary>The same sampling one batch at a time, so a scheduler can serve other work between batches (no torch state
    /// spans a yield). Each batch: codes [b,D], scores [b] per scorer, and the fraction done; the caller owns the tensors.</summary>
    public static IEnumerable<(Tensor Codes, Tensor[] Scores, double Fraction)> SampleBatches(StyleGan2Generator g,
        IReadOnlyList<IAttributeScorer> scorers, BoundaryOptions o)
    {
        o.Validate();
        var rng = new Generator((ulong)o.Seed);
        for (int done = 0; done < o.Samples; done += o.Batch)
        {
            (Tensor, Tensor[]) batch;
            using (no_grad())
            using (var scope = NewDisposeScope())
            {
                var z = EngineDevice.SeededNormal([Math.Min(o.Batch, o.Samples - done), g.Config.StyleDim], rng, g.Device);
                var w = g.Map(z);
                var img = g.Synthesize(g.Broadcast(w));
                batch = ((o.Space == LatentSpace.Z ? z : w).MoveToOuterDisposeScope(),
                         scorers.Select(s => s.Score(img).to(float32).MoveToOuterDisposeScope()).ToArray());
            }
            yield return (batch.Item1, batch.Item2, (double)Math.Min(o.Samples, done + o.Batch) / o.Samples);
        }
    }

    /// <summary>Fits the boundary for one score column (ML.NET linear SVM). Deterministic for a seed.</summary>
    public static TrainedBoundary Fit(Tensor codes, Tensor scores, BoundaryOptions o)
    {
        o.Validate();
        int n = (int)codes.shape[0], d = (int)codes.shape[1];
        if (!scores.isfinite().all().item<bool>()) throw new ArgumentException("scores contain NaN or infinite values");
        int chosen = Math.Min((int)(n * o.Ratio), n / 2);
        int train = (int)(chosen * o.Split), val = chosen - train;
        if (train < 2 || val < 1) throw new ArgumentException($"too few samples: {n} × ratio {o.Ratio} leaves {chosen} per side");
        var order = scores.argsort(descending: true).cpu().data<long>().ToArray();
        var x = codes.to(float32).cpu().contiguous().data<float>().ToArray();
        float[] Row(long i) => x.AsSpan((int)(i * d), d).ToArray();
        var random = new Random((int)o.Seed);
        var pos = order.Take(chosen).OrderBy(_ => random.Next()).ToArray();
        var neg = order.Skip(n - chosen).OrderBy(_ => random.Next()).ToArray();
        var trainRows = pos.Take(train).Select(i => new Row { Features = Row(i), Label = true })
            .Concat(neg.Take(train).Select(i => new Row { Features = Row(i), Label = false })).ToList();
        var valRows = pos.Skip(train).Select(i => new Row { Features = Row(i), Label = true })
            .Concat(neg.Skip(train).Select(i => new Row { Features = Row(i), Label = false })).ToList();

        var ml = new MLContext(seed: (int)o.Seed);
        var trainData = ml.Data.LoadFromEnumerable(trainRows, SchemaFor(ml, d));
        var model = ml.BinaryClassification.Trainers.LinearSvm(numberOfIterations: o.SvmIterations).Fit(trainData);
        double Accuracy(List<Row> rows) =>
            ml.BinaryClassification.EvaluateNonCalibrated(model.Transform(ml.Data.LoadFromEnumerable(rows, SchemaFor(ml, d)))).Accuracy;
        var weights = model.Model.Weights.ToArray();
        var normal = tensor(weights).view(1, d);
        normal = normal / normal.norm();
        return new TrainedBoundary(normal, o.Space, Accuracy(valRows), Accuracy(trainRows), train, val);
    }

    /// <summary>InterFaceGAN's conditional manipulation (§2.2) baked into a fitted boundary: its normal projected off
    /// <paramref name="condition"/>'s normal [1,D] (<see cref="InterFaceGan.ProjectBoundary"/>), so moving along it leaves
    /// that attribute where it was, to first order.</summary>
    public static TrainedBoundary Conditioned(TrainedBoundary b, Tensor condition, string conditionName) =>
        b with { Normal = InterFaceGan.ProjectBoundary(b.Normal, condition), ConditionedOn = conditionName };

    /// <summary>Several sliders from one sampling run: each fitted (<see cref="Fit"/>) and, given the condition's scores
    /// from the same renders (e.g. <see cref="FaceBrightnessScorer"/>'s), kept off the condition's boundary, which is
    /// fitted once (<see cref="Conditioned"/>), except the sliders <paramref name="keeps"/> leaves out (an edit about
    /// colour). → per slider of <paramref name="scores"/>, the boundary and its cosine with the plain normal (how much
    /// the condition took away; 1 when not kept).</summary>
    public static List<(TrainedBoundary Boundary, double CosineWithPlain)> FitSliders(Tensor codes, IReadOnlyList<Tensor> scores,
        BoundaryOptions o, Tensor? conditionScores = null, string? conditionName = null, Func<int, bool>? keeps = null)
    {
        using var condition = conditionScores is null ? null : Fit(codes, conditionScores, o).Normal;
        return scores.Select((y, i) =>
        {
            var plain = Fit(codes, y, o);
            if (condition is null || keeps?.Invoke(i) == false) return (plain, 1.0);
            using (plain.Normal)
            {
                var kept = Conditioned(plain, condition, conditionName ?? "condition");
                using var cos = kept.Normal.matmul(plain.Normal.t());
                return (kept, (double)cos.item<float>());
            }
        }).ToList();
    }

    /// <summary>Writes a learned boundary as safetensors: tensor "boundary" [1,D] with its attribute, space and accuracy
    /// (and what it was conditioned on).</summary>
    public static void Save(TrainedBoundary b, string attribute, string path)
    {
        var meta = new Dictionary<string, string>
        {
            ["attribute"] = attribute, ["space"] = b.Space.ToString(),
            ["validation_accuracy"] = b.ValidationAccuracy.ToString("0.0000", CultureInfo.InvariantCulture),
        };
        if (b.ConditionedOn is not null) meta["conditioned_on"] = b.ConditionedOn;
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["boundary"] = b.Normal }, meta);
    }

    /// <summary>Reads a direction for a slider: our safetensors (space and accuracy from its metadata) or any file
    /// <see cref="DirectionReader"/> reads (.npy InterFaceGAN boundaries, e4e .pt), taken as W unless the name says Z.</summary>
    public static AttributeDirection LoadDirection(string name, string path)
    {
        var normal = DirectionReader.Load(path);
        var space = LatentSpace.W;
        double? accuracy = null;
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            SafeTensors.Load(path, out var meta).Values.ToList().ForEach(t => t.Dispose());
            if (meta.TryGetValue("space", out var sp) && Enum.TryParse<LatentSpace>(sp, out var parsed)) space = parsed;
            if (meta.TryGetValue("validation_accuracy", out var acc) && double.TryParse(acc, CultureInfo.InvariantCulture, out var a)) accuracy = a;
        }
        else if (Path.GetFileName(path).Contains("_z_", StringComparison.OrdinalIgnoreCase)) space = LatentSpace.Z;   // InterFaceGAN naming: stylegan_ffhq_smile_z_boundary.npy
        return new AttributeDirection(name, normal, space, accuracy);
    }

    static SchemaDefinition SchemaFor(MLContext ml, int d)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        return schema;
    }
}
