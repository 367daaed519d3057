using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Evaluation;

namespace FaceWeb.Engine.Tests;

/// <summary>The independent edit check's bookkeeping with the real face-api judges on the default pack's generator.</summary>
public sealed class EditCheckTests
{
    [Fact]
    public void A_no_op_edit_keeps_the_person_and_another_face_does_not()
    {
        using var engine = FaceEngine.FromPack(Repository.DefaultPack());
        var g = engine.Generator;
        using var judges = EditJudges.Load(Repository.FaceApiModels());
        var rows = EditCheck.Run(g,
        [
            new EditProbe("none", Judge.Age, 1, w => g.Synthesize(w)),
            new EditProbe("next face", Judge.Happy, 1, w => g.Synthesize(w.roll(1, 0))),
            new EditProbe("greener", Judge.Happy, 1, w => g.Synthesize(w) + TorchSharp.torch.tensor(new[] { 0f, 8 / 127.5f, 0f }).view(1, 3, 1, 1)),
        ], judges, faces: 6, batch: 3, ct: TestContext.Current.CancellationToken);
        Assert.Equal((0.0, 6), (rows[0].RightWay, rows[0].Faces));            // nothing moved, so nothing moved the right way
        Assert.Equal(0.0, rows[0].MeanChange, 4);
        Assert.Equal((1.0, 1.0), (Math.Round(rows[0].IdentityCosine, 4), rows[0].SamePerson));
        Assert.True(rows[1].IdentityCosine < rows[0].IdentityCosine - 0.01, $"another face: cos {rows[1].IdentityCosine:F3}");
        Assert.Equal(0.0, rows[0].ColourShift, 6);                              // the face region's colour, in 0–255 levels
        Assert.Equal(8.0, rows[2].ColourShift, 0.3);                            // +8 levels of green (less where the face clips at white)
        Assert.Equal(0.0, rows[0].RightWayWithRoom);                            // age has room everywhere: the same 0 of 6
        Assert.Equal(6, rows[0].FacesWithRoom);
        Assert.Equal((6, 0), (rows[0].Unchanged, rows[0].AtEnd));               // a tie on every face; age has no end
        Assert.Throws<ArgumentException>(() => EditCheck.Run(g, [], judges, 1, ct: TestContext.Current.CancellationToken));
    }

    /// <summary>#18: the age judge's calibration by bucket: faces labelled with the ages the judge reads agree in every
    /// bucket they fill; labels shifted out of their bucket are read as where the judge puts them.</summary>
    [Fact]
    public void The_age_judge_s_calibration_counts_each_bucket_and_where_the_judge_reads_it()
    {
        using var engine = FaceEngine.FromPack(Repository.DefaultPack());
        using var judges = EditJudges.Load(Repository.FaceApiModels());
        using var _ = TorchSharp.torch.no_grad();
        using var batch = TorchSharp.torch.cat(Enumerable.Range(0, 8).Select(i => engine.Generator.Synthesize(engine.SeedWPlus(i, 0.7))).ToList(), 0);   // [8,3,S,S]
        var read = judges.Ages(batch);
        var asRead = AgeJudgeCalibration.Run(judges, batch, [.. read.Select(a => (int)MathF.Floor(a))], batch: 3, ct: TestContext.Current.CancellationToken);
        Assert.Equal(AgeJudgeCalibration.Buckets, asRead.Select(r => r.Bucket));
        Assert.Equal(8, asRead.Sum(r => r.Faces));
        Assert.All(asRead.Where(r => r.Faces > 0), r => Assert.Equal(1.0, r.Agree));
        Assert.All(asRead.Where(r => r.Faces > 0), r => Assert.Equal(1.0, r.ReadAs.Sum(), 6));
        Assert.All(asRead.Where(r => r.Faces == 0), r => Assert.True(double.IsNaN(r.Agree)));
        var allOld = AgeJudgeCalibration.Run(judges, batch, [.. read.Select(_ => 80)], ct: TestContext.Current.CancellationToken);
        var old = Assert.Single(allOld, r => r.Faces > 0);
        Assert.Equal(("old", 8, 80.0), (old.Bucket, old.Faces, old.MeanLabel));
        Assert.Equal(read.Average(a => (double)a), old.MeanRead, 4);
        Assert.Equal(old.ReadAs[3], old.Agree);
        Assert.Throws<ArgumentException>(() => AgeJudgeCalibration.Run(judges, batch, [1, 2], ct: TestContext.Current.CancellationToken));
    }

    /// <summary>A broad smile's P(happy) is 1 in float32: no edit can raise it, so the check counts such sources.</summary>
    [Theory]
    [InlineData(Judge.Happy, 1, 1f, true)]
    [InlineData(Judge.Happy, 1, 0.99999f, false)]
    [InlineData(Judge.Happy, -1, 1f, false)]
    [InlineData(Judge.Male, -1, 0f, true)]
    [InlineData(Judge.HappyOdds, 1, 30f, false)]                                // log-odds have no end
    [InlineData(Judge.Age, 1, 100f, false)]
    public void A_probability_of_exactly_its_goal_is_at_the_end(Judge judge, int sign, float source, bool atEnd) =>
        Assert.Equal(atEnd, EditCheck.AtEnd(judge, sign, source));

    [Theory]
    [InlineData(Judge.Happy, 1, 0.5f, true)]
    [InlineData(Judge.Happy, 1, 0.95f, false)]                                  // already smiling: nowhere to go up
    [InlineData(Judge.Happy, -1, 0.95f, true)]
    [InlineData(Judge.HappyOdds, 1, 3f, false)]                               // log-odds: P 0.95
    [InlineData(Judge.HappyOdds, 1, 2f, true)]                                // P 0.88
    [InlineData(Judge.Male, -1, 0.05f, false)]
    [InlineData(Judge.Age, 1, 80f, true)]
    [InlineData(Judge.BlondHair, 1, 3f, false)]                                 // a logit: P 0.95, already blond
    [InlineData(Judge.BlondHair, 1, 0f, true)]
    [InlineData(Judge.Eyeglasses, -1, -3f, false)]
    public void A_probability_within_a_tenth_of_its_goal_leaves_no_room(Judge judge, int sign, float source, bool room) =>
        Assert.Equal(room, EditCheck.HasRoom(judge, sign, source));

    /// <summary>#18: "found as a face" for edits (ADR 0013's judge): a no-op edit is found as often as its sources, a grey
    /// picture never; StyleCLIP optimisation runs as a probe inside the check's no_grad, one face at a time.</summary>
    [Fact]
    public void Edits_are_judged_found_as_a_face_beside_their_sources_and_optimisation_runs_as_a_probe()
    {
        using var engine = FaceEngine.FromPack(Repository.DefaultPack());
        using var editor = PackEditor.Open(engine, Repository.DefaultPack());
        var g = engine.Generator;
        using var judges = EditJudges.Load(Repository.FaceApiModels());
        using var found = FaceFound.Load("ssd", Repository.FaceApiModels());
        var optimisation = EditCheck.PackProbes(editor, optimisation: 3).Where(p => p.Name.StartsWith("optimisation", StringComparison.Ordinal)).ToList();
        Assert.Equal(["optimisation \"a smiling face\", 3 steps: Happy", "optimisation \"a smiling face\", 3 steps: HappyOdds",
            "optimisation \"the face of an old person\", 3 steps: Age"], optimisation.Select(p => $"{p.Name}: {p.Judge}"));
        Assert.Same(optimisation[0].Edit, optimisation[1].Edit);                                  // one optimisation, judged twice
        Assert.DoesNotContain(EditCheck.PackProbes(editor), p => p.Name.StartsWith("optimisation", StringComparison.Ordinal));
        var rows = EditCheck.Run(g,
        [
            new EditProbe("none", Judge.Age, 1, w => g.Synthesize(w)),
            new EditProbe("grey", Judge.Age, 1, w => TorchSharp.torch.zeros([w.shape[0], 3, g.Config.Size, g.Config.Size])),
            optimisation[0],
        ], judges, faces: 3, batch: 3, ct: TestContext.Current.CancellationToken, found: found);
        Assert.All(rows, r => Assert.Equal(rows[0].SourcesFound, r.SourcesFound));
        Assert.True(rows[0].SourcesFound > 0.5, $"sources found {rows[0].SourcesFound:P0}");
        Assert.Equal(rows[0].SourcesFound, rows[0].Found);
        Assert.Equal(0.0, rows[1].Found);
        Assert.True(rows[2].SamePerson == 1 && rows[2].IdentityCosine < 0.9999, $"3 optimisation steps: same person {rows[2].SamePerson:P0}, cos {rows[2].IdentityCosine:F4}");
        var unasked = EditCheck.Run(g, [new EditProbe("none", Judge.Age, 1, w => g.Synthesize(w))], judges, 1, ct: TestContext.Current.CancellationToken);
        Assert.True(double.IsNaN(unasked[0].Found) && double.IsNaN(unasked[0].SourcesFound));   // not asked: not measured
    }
}
