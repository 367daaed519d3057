using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Evaluation;
using FaceWeb.Engine.FaceApi;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>#20 item 4: the sketch → face check runs every method on the sketches of given faces and reports lines,
/// identity, faces found and time, with the references.</summary>
public sealed class SketchToFaceCheckTests
{
    [Fact]
    public void Every_method_is_measured_against_its_sketch_and_source_and_the_encoder_follows_the_lines_closer()
    {
        using var parts = new Parts();
        var (engine, editor, identity, found) = (parts.Engine, parts.Editor, parts.Identity, parts.Found);
        using var sources = engine.SeedImages([(501, 0.8), (502, 0.8), (503, 0.8), (504, 0.8)]);   // stand-ins for held-out faces
        int ticks = 0;
        var (rows, grid) = SketchToFaceCheck.Run(editor, sources, identity, found, new SketchCheckOptions(Steps: 3, GridFaces: 2), () => ticks++, TestContext.Current.CancellationToken);
        using (grid)
        {
            Assert.Equal(["sketch encoder, one pass", "sketch encoder + 3 steps", "seed's face + 3 steps (before the encoder)", "real faces (reference)", "random samples at ψ 0.7 (reference)"],
                rows.Select(r => r.Method));
            Assert.Equal(3 * 4, ticks);
            Assert.Equal([2 * 5, 3, 64, 64], grid.shape);                                       // per face: source, sketch, three outputs
            Assert.All(rows, r => Assert.Equal(4, r.Faces));
            Assert.All(rows.Take(3), r =>
            {
                Assert.InRange(r.Lines, 0, 20);
                Assert.InRange(r.Identity, -1, 1);
                Assert.InRange(r.Found, 0, 1);
                Assert.True(r.FirstFrameMs > 0 && r.FirstFrameMs <= r.MillisecondsPerFace + 1e-9);
            });
            Assert.True(rows[0].Lines < rows[2].Lines, $"encoder {rows[0].Lines:F2} px vs the seed-face method {rows[2].Lines:F2} px");
            Assert.True(double.IsNaN(rows[3].Lines) && rows[3].Found is >= 0 and <= 1);
        }
    }

    [Fact]
    public void With_captions_the_refinements_follow_each_face_s_caption_too()
    {
        using var parts = new Parts();
        var (engine, editor, identity, found) = (parts.Engine, parts.Editor, parts.Identity, parts.Found);
        using var sources = engine.SeedImages([(501, 0.8), (502, 0.8)]);
        var ct = TestContext.Current.CancellationToken;
        var (plain, plainGrid) = SketchToFaceCheck.Run(editor, sources, identity, found, new SketchCheckOptions(Steps: 3, GridFaces: 2), ct: ct);
        var (captioned, captionedGrid) = SketchToFaceCheck.Run(editor, sources, identity, found,
            new SketchCheckOptions(Steps: 3, GridFaces: 2, Captions: ["an old man with a grey beard", "a smiling young woman with blond hair"], SeedMethod: false), ct: ct);
        using (plainGrid)
        using (captionedGrid)
        {
            Assert.Equal(["sketch encoder, one pass", "sketch encoder + 3 steps + caption", "real faces (reference)", "random samples at ψ 0.7 (reference)"],
                captioned.Select(r => r.Method));                                                  // without the seed's-face method
            Assert.Equal([2 * 4, 3, 64, 64], captionedGrid.shape);
            Assert.Equal(0, (captionedGrid[2] - plainGrid[2]).abs().max().item<float>());              // one pass: no caption, same face
            Assert.True((captionedGrid[3] - plainGrid[3]).abs().max().item<float>() > 0.01);          // refined: the caption moved it
        }
        Assert.Throws<ArgumentException>(() => SketchToFaceCheck.Run(editor, sources, identity, found, new SketchCheckOptions(Steps: 3, Captions: ["one"]), ct: ct));
    }

    /// <summary>The default pack with its editor, and face-api.js's recognition net and SSD judge.</summary>
    sealed class Parts : IDisposable
    {
        public readonly FaceEngine Engine = FaceEngine.FromPack(Repository.DefaultPack());
        public readonly PackEditor Editor;
        public readonly FaceApiIdentity Identity = FaceApiIdentity.Load(Repository.FaceApiModels());
        public readonly IFaceFound Found = FaceFound.Load("ssd", Repository.FaceApiModels());

        public Parts() => Editor = PackEditor.Open(Engine, Repository.DefaultPack());

        public void Dispose() { Found.Dispose(); Identity.Dispose(); Editor.Dispose(); Engine.Dispose(); }
    }
}
