using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Evaluation;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>#18: the CelebA judge for the edits face-api.js cannot judge (blond hair, glasses): it learns, it loads back
/// strictly, and the repository's judge sees the default pack's own blond-hair and glasses edits.</summary>
public sealed class CelebAJudgeTests
{
    [Fact]
    public void Auc_is_the_chance_a_positive_outranks_a_negative_with_ties_counted_half()
    {
        Assert.Equal(1.0, CelebAJudge.Auc([0.1f, 0.4f, 0.35f, 0.8f], [false, true, false, true]));
        Assert.Equal(0.0, CelebAJudge.Auc([0.9f, 0.1f], [false, true]));
        Assert.Equal(0.5, CelebAJudge.Auc([0.5f, 0.5f], [true, false]));
        Assert.Equal(0.75, CelebAJudge.Auc([0.2f, 0.6f, 0.4f, 0.5f], [false, true, true, false]), 6);   // 3 of 4 pairs
        Assert.True(double.IsNaN(CelebAJudge.Auc([0.2f, 0.6f], [true, true])));
    }

    [Fact]
    public void It_learns_a_visible_attribute_from_fresh_weights_and_loads_back_strictly()
    {
        // A bright band across the top rows means "Blond_Hair", the same band across the bottom rows does not (so the
        // mean brightness says nothing); "Eyeglasses" is a coin toss it cannot learn.
        var rng = new Random(5);
        FaceSample Face(int i)
        {
            bool bright = i % 2 == 0;
            var px = new byte[64 * 64 * 3];
            rng.NextBytes(px);
            for (int k = 0; k < px.Length; k++) px[k] = (byte)(60 + px[k] / 4);
            int band = bright ? 0 : 48 * 64 * 3;
            for (int k = band; k < band + 16 * 64 * 3; k++) px[k] = (byte)(200 + px[k] / 8);
            var attrs = new HashSet<string>();
            if (bright) attrs.Add("Blond_Hair");
            if (rng.Next(2) == 0) attrs.Add("Eyeglasses");
            return new FaceSample(new FaceLabels($"{i}.jpg", "celeba", attrs), px);
        }
        var train = Enumerable.Range(0, 128).Select(Face).ToList();
        var held = Enumerable.Range(1000, 64).Select(Face).ToList();
        manual_seed(7);                                                                  // the fresh weights, so the run repeats
        using var judge = new CelebAJudge(["Blond_Hair", "Eyeglasses"], width: 8);
        var before = judge.Evaluate(held);
        var losses = judge.Train(train, new CelebAJudgeOptions(Epochs: 12, Batch: 32, Shift: 2), TestContext.Current.CancellationToken).ToList();
        Assert.Equal(48, losses.Count);                                                 // 12 epochs of 128 / 32 (batch norm's running statistics settle)
        Assert.Equal(1.0, losses[^1].Fraction, 6);
        var after = judge.Evaluate(held);
        Assert.True(after[0].Balanced > 0.95 && after[0].Auc > 0.99 && before[0].Balanced < 0.8, $"blond balanced accuracy {before[0].Balanced:P0} → {after[0].Balanced:P0}, AUC {before[0].Auc:F3} → {after[0].Auc:F3}");
        Assert.True(after[1].Auc is > 0.2 and < 0.8, $"a coin toss stays one: glasses AUC {after[1].Auc:F3}");

        string dir = Directory.CreateTempSubdirectory("celeba-judge").FullName;
        try
        {
            string path = Path.Combine(dir, "judge.safetensors");
            judge.Save(path);
            using var back = CelebAJudge.Load(path);
            Assert.Equal(["Blond_Hair", "Eyeglasses"], back.Attributes);
            using var x = FaceDataset.Batch(held.Take(4).ToList());
            Assert.Equal(judge.Logits(x, "Blond_Hair"), back.Logits(x, "Blond_Hair"));
            Assert.Throws<ArgumentException>(() => back.Logits(x, "Bald"));
            Assert.Throws<CheckpointException>(() => CelebAJudge.Load(Path.Combine(Repository.DefaultPack(), "attributes.safetensors")));
            Assert.Throws<FileNotFoundException>(() => CelebAJudge.Load(Path.Combine(dir, "none.safetensors")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void The_repository_judge_sees_the_default_packs_blond_hair_and_glasses_sliders()
    {
        string judgeFile = Path.Combine(Repository.Root(), CelebAJudge.DefaultPath);
        using var engine = FaceEngine.FromPack(Repository.DefaultPack());
        using var editor = PackEditor.Open(engine, Repository.DefaultPack());
        using var judges = EditJudges.Load(Repository.FaceApiModels(), judgeFile);
        var probes = EditCheck.PackProbes(editor, alpha: 3, celeba: true)
            .Where(p => p.Name is "slider blond hair +3" or "slider eyeglasses +3" or "slider blond hair -3").ToList();
        Assert.Equal(3, probes.Count);
        var rows = EditCheck.Run(engine.Generator, probes, judges, faces: 12, batch: 6, ct: TestContext.Current.CancellationToken);
        foreach (var r in rows)                                      // 200 faces (model card): 99 %, 84 %, 94 %
        {
            double bar = r.Edit == "slider blond hair -3" ? 0.75 : 0.9;
            Assert.True(r.RightWay >= bar && r.Sign * r.MeanChange > 1, $"{r.Edit}: {r.RightWay:P0} the right way (mean logit change {r.MeanChange:+0.00;-0.00})");
        }

        using var faceApiOnly = EditJudges.Load(Repository.FaceApiModels());
        var error = Assert.Throws<ArgumentException>(() => EditCheck.Run(engine.Generator, probes, faceApiOnly, 1, ct: TestContext.Current.CancellationToken));
        Assert.Contains("CelebA judge", error.Message);
    }
}
