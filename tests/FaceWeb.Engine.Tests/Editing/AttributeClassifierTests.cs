using FaceWeb.Engine.Editing;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>The multi-label head: masked targets, learning separable attributes and age, scores, save/load, bad names.</summary>
public sealed class AttributeClassifierTests
{
    static readonly string[] Names = ["Eyeglasses", "Male", "Smiling"];

    /// <summary>Rows whose features encode the labels: dim 0 = glasses, dim 1 = male, dim 2 = smile, dim 3 = age/30.</summary>
    static (Tensor Features, List<FaceLabels> Rows) Data(int n, int seed)
    {
        var rng = new Random(seed);
        var rows = new List<FaceLabels>();
        var f = new float[n * 8];
        for (int i = 0; i < n; i++)
        {
            bool celeba = i % 2 == 0, glasses = rng.Next(4) == 0, male = rng.Next(2) == 0, smile = rng.Next(2) == 0;
            int age = rng.Next(1, 90);
            rows.Add(celeba
                ? new FaceLabels($"c{i}", "celeba", new[] { glasses ? "Eyeglasses" : null, male ? "Male" : null, smile ? "Smiling" : null }.OfType<string>().ToHashSet())
                : new FaceLabels($"u{i}", "utk", new HashSet<string>(), age, male ? "male" : "female", "White"));
            f[i * 8] = glasses ? 1 : -1; f[i * 8 + 1] = male ? 1 : -1; f[i * 8 + 2] = smile ? 1 : -1; f[i * 8 + 3] = age / 30f;
            for (int k = 4; k < 8; k++) f[i * 8 + k] = (float)(rng.NextDouble() - 0.5);
        }
        return (tensor(f, [n, 8]), rows);
    }

    [Fact]
    public void Targets_mask_what_each_set_labels()
    {
        var (_, rows) = Data(4, 1);
        var (t, m, ages) = AttributeClassifier.Targets(rows, Names);
        Assert.Equal(new float[] { 1, 1, 1 }, m[0].data<float>().ToArray());       // CelebA: every attribute
        Assert.Equal(new float[] { 0, 1, 0 }, m[1].data<float>().ToArray());       // UTKFace: gender only
        Assert.Equal(-1, ages[0].item<long>());
        Assert.Equal(AttributeClassifier.AgeBucket(rows[1].Age!.Value), ages[1].item<long>());
        Assert.Equal(rows[1].Gender == "male" ? 1f : 0f, t[1, 1].item<float>());
        Assert.Equal((0, 1, 2, 3, 3), (AttributeClassifier.AgeBucket(19), AttributeClassifier.AgeBucket(20), AttributeClassifier.AgeBucket(59), AttributeClassifier.AgeBucket(60), AttributeClassifier.AgeBucket(101)));
    }

    [Fact]
    public void Learns_separable_attributes_and_round_trips()
    {
        var (trainF, trainRows) = Data(2000, 2);
        var (heldF, heldRows) = Data(600, 3);
        using var c = new AttributeClassifier(Names, 8, 32);
        var (t, m, a) = AttributeClassifier.Targets(trainRows, Names);
        var losses = c.Train(trainF, t, m, a, new AttributeTrainingOptions(Steps: 400, Batch: 256, LearningRate: 1e-2), TestContext.Current.CancellationToken).ToList();
        Assert.True(losses[^1].Loss < losses[0].Loss / 2, $"loss {losses[0].Loss:F3} → {losses[^1].Loss:F3}");
        var acc = c.Evaluate(heldF, heldRows);
        foreach (var row in acc.Where(r => !r.Attribute.StartsWith("Age", StringComparison.Ordinal)))
            Assert.True(row.Accuracy > 0.95 && row.Accuracy > row.Majority, $"{row.Attribute}: {row.Accuracy:P1} (majority {row.Majority:P1})");
        var age = acc.Single(r => r.Attribute.StartsWith("Age", StringComparison.Ordinal));
        Assert.True(age.Accuracy > 0.8, $"age bucket {age.Accuracy:P1} (majority {age.Majority:P1})");
        Assert.Contains(acc, r => r.Attribute == "Male (UTKFace gender)");

        using var _ = no_grad();
        var years = c.Score(heldF, AttributeClassifier.Age).data<float>().ToArray();
        var truth = heldRows.Select(r => r.Age).ToArray();
        var utk = Enumerable.Range(0, heldRows.Count).Where(i => truth[i] is not null).ToList();
        Assert.True(utk.Where(i => truth[i] < 20).Average(i => years[i]) + 30 < utk.Where(i => truth[i] >= 60).Average(i => years[i]), "expected age follows the buckets");
        Assert.All(years, y => Assert.InRange(y, 10f, 70f));
        Assert.Contains("Beard", Assert.Throws<ArgumentException>(() => c.Score(heldF, "Beard")).Message);

        string file = Path.Combine(Path.GetTempPath(), $"attributes-{Guid.NewGuid():N}.safetensors");
        try
        {
            c.Save(file);
            using var loaded = AttributeClassifier.Load(file);
            Assert.Equal(Names, loaded.Attributes);
            Fixtures.AssertClose(c.forward(heldF), loaded.forward(heldF), "reloaded head", 1e-6);
        }
        finally { File.Delete(file); }
        Assert.Throws<ArgumentException>(() => new AttributeClassifier(["A", "A"], 8));
    }

    [Fact]
    public void A_classifier_scorer_reads_the_trunk_and_can_flip_its_sign()
    {
        using var tower = new FaceClipImageTower(width: 8);
        using var c = new AttributeClassifier(Names, tower.FeatureDim, 16);
        var x = randn(3, 3, 64, 64).clamp(-1, 1);
        var plus = new ClassifierScorer(tower, c, "glasses", "Eyeglasses").Score(x);
        var minus = new ClassifierScorer(tower, c, "no glasses", "Eyeglasses", -1).Score(x);
        Assert.Equal([3], plus.shape);
        Fixtures.AssertClose(plus, -minus, "flipped scorer", 1e-6);
        Assert.Equal(8, ClassifierScorer.BuiltIn.Count);
    }
}
