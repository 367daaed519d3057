using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Evaluation;
using FaceWeb.Engine.FaceApi;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>#18 item 5: the fixed text → face check — at least 30 captions naming gender, age, smile, glasses, beard and
/// hair colour, and agreement counted only where a caption says something.</summary>
public sealed class TextToFaceCheckTests
{
    [Fact]
    public void The_caption_list_is_fixed_and_names_every_attribute()
    {
        var c = TextToFaceCheck.Captions;
        Assert.True(c.Count >= 30);
        Assert.Equal(c.Count, c.Select(p => p.Caption).Distinct().Count());
        foreach (var word in new[] { "glasses", "beard", "blond", "grey", "smiling", "old", "young", "woman", "man" })
            Assert.Contains(c, p => p.Caption.Contains(word, StringComparison.Ordinal));
        Assert.Contains(c, p => p.Male == true); Assert.Contains(c, p => p.Male == false);
        Assert.Equal(["child", "middle", "old", "young"], c.Select(p => p.Age).OfType<string>().Distinct().Order());
        Assert.Equal(("child", "young", "middle", "old"), (TextToFaceCheck.AgeBucket(8), TextToFaceCheck.AgeBucket(22), TextToFaceCheck.AgeBucket(40), TextToFaceCheck.AgeBucket(70)));
    }

    [Fact]
    public void Judging_counts_only_what_captions_say()
    {
        string dir = Repository.FaceApiModels();
        using var engine = FaceEngine.FromPack(Repository.DefaultPack());
        using var editor = PackEditor.Open(engine, Repository.DefaultPack());
        using var judges = EditJudges.Load(dir);
        using var found = FaceFound.Load("ssd", dir);
        CaptionProbe[] probes = [new("a face", null, null, null), new("a smiling man", true, null, true)];
        using var faces = engine.SeedImages([(1, 0.7), (2, 0.7)]);
        var row = TextToFaceCheck.Judge("samples", faces, probes, judges, found, editor.Space!, 1);
        Assert.Equal(2, row.Faces);
        Assert.InRange(row.Found, 0, 1);
        Assert.True(row.Gender is 0 or 1);                                     // one caption says it: all or nothing
        Assert.True(row.Smile is 0 or 1);
        Assert.True(double.IsNaN(row.Age));                                    // no caption names an age
        Assert.Empty(row.AgeByBucket!);
        Assert.InRange(row.TextScore, -1, 1);

        CaptionProbe[] aged = [new("an old face", null, "old", null), new("a young face", null, "young", null), new("a young man", true, "young", null)];
        using var three = engine.SeedImages([(1, 0.7), (2, 0.7), (3, 0.7)]);
        var byAge = TextToFaceCheck.Judge("samples", three, aged, judges, found, editor.Space!, 1);
        Assert.Equal(["old", "young"], byAge.AgeByBucket!.Keys.Order());
        Assert.True(byAge.AgeByBucket["old"] is 0 or 1);
        Assert.Equal(byAge.Age, (byAge.AgeByBucket["old"] + 2 * byAge.AgeByBucket["young"]) / 3, 9);   // the buckets split the age agreement
    }
}
