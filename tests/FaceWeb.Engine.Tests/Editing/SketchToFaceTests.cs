using FaceWeb.Engine.Editing;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>#20: sketch → face as the app and the CLI run it (PackEditor.SketchToFace) on the default pack and its
/// sketch encoder.</summary>
public sealed class SketchToFaceTests : IDisposable
{
    readonly FaceEngine engine = FaceEngine.FromPack(Repository.DefaultPack());
    readonly PackEditor editor;
    CancellationToken Ct => TestContext.Current.CancellationToken;

    public SketchToFaceTests() => editor = PackEditor.Open(engine, Repository.DefaultPack());

    public void Dispose() { editor.Dispose(); engine.Dispose(); }

    Tensor Face(long seed) { using var _ = no_grad(); return engine.Generator.Synthesize(engine.SeedWPlus(seed, 0.7)); }

    [Fact]
    public void The_encoders_face_comes_first_and_follows_the_drawing_then_refinement_streams()
    {
        Assert.NotNull(editor.SketchEncoder);
        // Drawings: the sketches of eight faces, at the canvas's display size. The encoder's face for each lies nearer
        // that drawing's lines than the other faces do.
        int nearer = 0;
        for (int seed = 0; seed < 8; seed++)
        {
            using var face = Face(seed);
            using var drawing = nn.functional.interpolate(FaceSketch.Render(face), [256, 256], mode: InterpolationMode.Nearest);
            using var result = Assert.Single(editor.SketchToFace(drawing, null, null, 0, ct: Ct))!;
            Assert.Equal((EditMethod.Source, 1.0), (result.Method, result.Progress));
            Assert.StartsWith("sketch encoder, one pass: lines ", result.Detail);
            double mine = FaceSketch.Follows(drawing, result.Image);
            using var other = Face(seed + 100);
            if (mine < FaceSketch.Follows(drawing, other)) nearer++;
        }
        Assert.True(nearer >= 7, $"the encoder's face follows its drawing better than another face for {nearer} of 8");

        using var sketch = FaceSketch.Render(Face(3));
        var frames = editor.SketchToFace(sketch, "a smiling face", null, 6, frames: 3, ct: Ct).Where(f => f is not null).Select(f => f!).ToList();
        Assert.Equal([0, 0.333333, 0.666667, 1], frames.Select(f => Math.Round(f.Progress, 6)));             // the encoder's face, then every 2nd step
        Assert.Contains("text loss", frames[^1].Detail);
        Assert.Contains("px from the drawing", frames[^1].Detail);
        Assert.Equal([1, engine.Generator.Config.NLatent, engine.Generator.Config.StyleDim], frames[^1].Latent!.shape);
        foreach (var f in frames) f.Dispose();
    }

    [Fact]
    public void Randomise_the_rest_takes_the_fine_rows_from_the_seed_and_the_old_method_starts_from_it()
    {
        using var sketch = FaceSketch.Render(Face(5));
        int l = engine.Generator.Config.NLatent, split = TediGan.DefaultSplit(l);
        using var own = Assert.Single(editor.SketchToFace(sketch, null, null, 0, ct: Ct))!;
        using var mixed = Assert.Single(editor.SketchToFace(sketch, null, 42, 0, ct: Ct))!;
        using var seed = engine.SeedWPlus(42, 0.7);
        Assert.Equal(0, (mixed.Latent![.., ..split] - own.Latent![.., ..split]).abs().max().item<float>());   // the drawing's rows
        Assert.Equal(0, (mixed.Latent[.., split..] - seed[.., split..]).abs().max().item<float>());          // the seed's rows
        var old = editor.SketchToFace(sketch, null, 42, 2, frames: 2, encoder: false, ct: Ct).Where(f => f is not null).ToList();
        Assert.Equal(2, old.Count);                                                                          // no encoder frame
        Assert.All(old, f => Assert.Equal(EditMethod.TediGan, f!.Method));
        Assert.Contains("at least one", Assert.Throws<ArgumentException>(() => editor.SketchToFace(sketch, null, 42, 0, encoder: false, ct: Ct).ToList()).Message);
        Assert.Contains("only a dot", Assert.Throws<ArgumentException>(() =>
        {
            var dot = ones(1, 1, 64, 64); dot[0, 0, 30, 30] = 0;
            editor.SketchToFace(dot, null, null, 0, ct: Ct).ToList();
        }).Message);
    }
}
