// InterFaceGAN boundary training — Shen et al. 2020 §3.1 (genforce/interfacegan utils/manipulator.py train_boundary):
// sample latents, render, score, keep the top and bottom ratio, split 70/30, fit a linear SVM, n = w/‖w‖.
using FaceWeb.Engine.Generators.StyleGan2;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
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

public sealed record TrainedBoundary(Tensor Normal, LatentSpace Space, double ValidationAccuracy, double TrainAccuracy, int TrainPerSide, int ValidationPerSide);

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
        o.Validate();
        using var _ = no_grad();
        var rng = new Generator((ulong)o.Seed);
        var codes = new List<Tensor>();
        var scores = scorers.Select(_ => new List<Tensor>()).ToArray();
        for (int done = 0; done < o.Samples; done += o.Batch)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var z = randn([Math.Min(o.Batch, o.Samples - done), g.Config.StyleDim], generator: rng);
            var w = g.Map(z);
            var img = g.Synthesize(g.Broadcast(w));
            codes.Add((o.Space == LatentSpace.Z ? z : w).MoveToOuterDisposeScope());
            for (int i = 0; i < scorers.Count; i++) scores[i].Add(scorers[i].Score(img).to(float32).MoveToOuterDisposeScope());
            progress?.Report((double)Math.Min(o.Samples, done + o.Batch) / o.Samples);
        }
        return (cat(codes, 0), scores.Select(s => cat(s, 0)).ToArray());
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
        var order = scores.argsort(descending: true).data<long>().ToArray();
        var x = codes.to(float32).contiguous().data<float>().ToArray();
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

    static SchemaDefinition SchemaFor(MLContext ml, int d)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        return schema;
    }
}
