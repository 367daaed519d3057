using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Evaluation;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>#18's calibrated "found as a face" judge: the SSD detector on a face placed in a grey canvas finds the
/// pack's own samples and nothing in images that are not faces; the first judge (tiny detector) is still there.</summary>
public sealed class FaceFoundTests
{
    [Fact]
    public void The_canvas_puts_the_face_in_the_middle_of_grey()
    {
        using var scope = NewDisposeScope();
        var c = SsdFaceFound.Canvases(ones(2, 3, 64, 64));                             // white faces
        Assert.Equal([2, 3, 512, 512], c.shape);
        Assert.Equal(128f, c[0, 0, 0, 0].item<float>());
        Assert.Equal(128f, c[1, 2, 511, 511].item<float>());
        Assert.Equal(205 * 205 * 2 * 3, (c == 255).sum().item<long>());                // the face: 205 × 205, nothing else
        Assert.Equal(255f, c[0, 1, 153, 153].item<float>());                           // (512 − 205) / 2 = 153
        Assert.Equal(128f, c[0, 1, 152, 153].item<float>());
    }

    [Fact]
    public void The_pack_samples_are_found_and_images_that_are_not_faces_are_not()
    {
        string dir = Repository.FaceApiModels();
        using var engine = FaceEngine.FromPack(Repository.DefaultPack());
        using var editor = PackEditor.Open(engine, Repository.DefaultPack());
        using var ssd = FaceFound.Load("ssd", dir);
        using var tiny = FaceFound.Load("tiny", dir);
        using var reals = engine.SeedImages([(900, 0.7), (901, 0.7), (902, 0.7), (903, 0.7)]);   // stand-ins: the test has no dataset
        var rows = FaceFoundCalibration.Run(editor, reals, [ssd, tiny], 4, 0.7);
        Assert.Equal(["the pack's random samples at ψ 0.7", "held-out real faces at 64 px", "uniform noise", "smooth colour fields (8 × 8, bicubic)", "the samples' pixels shuffled"],
            rows.Select(r => r.Set));
        Assert.Equal([true, true, false, false, false], rows.Select(r => r.Faces));
        Assert.Equal(1.0, rows[0].Found[0]);                                             // SSD: every sample
        Assert.All(rows.Skip(2), r => Assert.Equal(0.0, r.Found[0]));                     // and nothing else
        Assert.All(rows, r => Assert.InRange(r.Found[1], 0, 1));
        Assert.True(rows[0].MeanScore[0] > rows[2].MeanScore[0] + 0.5, $"samples {rows[0].MeanScore[0]:F2}, noise {rows[2].MeanScore[0]:F2}");
    }
}
