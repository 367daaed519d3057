using FaceWeb.Engine.Editing;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>#20: the sketches FaceWeb draws from faces, the checks a drawing must pass, and the chamfer distance.</summary>
public sealed class FaceSketchTests
{
    /// <summary>A ring of radius <paramref name="r"/> px, 1 px wide, centred at (cx, cy) on a 64 px canvas: 1 = paper.</summary>
    static Tensor Ring(double cx = 31.5, double cy = 31.5, double r = 20)
    {
        var px = new float[64 * 64];
        for (int i = 0; i < px.Length; i++)
            px[i] = Math.Abs(Math.Sqrt(Math.Pow(i % 64 + 0.5 - cx - 0.5, 2) + Math.Pow(i / 64 + 0.5 - cy - 0.5, 2)) - r) < 0.7 ? 0 : 1;
        return tensor(px, [1, 1, 64, 64]);
    }

    [Fact]
    public void A_faces_sketch_is_thin_dark_lines_on_paper_with_the_set_amount_of_detail()
    {
        using var engine = FaceEngine.FromPack(Repository.DefaultPack());
        var g = engine.Generator;
        using var _ = no_grad();
        var faces = g.Synthesize(g.WPlusFromZ(randn([4, g.Config.StyleDim], generator: new Generator(3)), 0.7));
        var sketch = FaceSketch.Render(faces);
        Assert.Equal([4, 1, 64, 64], sketch.shape);
        Assert.True(sketch.eq(0).logical_or(sketch.eq(1)).all().item<bool>(), "ink or paper, nothing between");
        var ink = (1 - sketch).mean([1, 2, 3]);
        Assert.All(ink.data<float>().ToArray(), f => Assert.InRange(f, 0.05, FaceSketch.DefaultInk + 1e-3));   // isolated pixels removed
        Assert.Equal(0, (FaceSketch.Render(faces) - sketch).abs().max().item<float>());                          // the same every time
        Assert.True(FaceSketch.Render(zeros(1, 3, 64, 64)).eq(1).all().item<bool>(), "a flat image has no lines");
        Assert.Equal(0, FaceSketch.Chamfer(sketch[0..1], FaceSketch.Render(faces[0..1]), 64));
        Assert.True(FaceSketch.Chamfer(sketch[0..1], sketch[1..2], 64) > 1, "two faces' sketches differ");

        var a = FaceSketch.RenderRandom(faces, new Generator(1));
        Assert.Equal(0, (FaceSketch.RenderRandom(faces, new Generator(1)) - a).abs().max().item<float>());        // reproducible
        Assert.True((FaceSketch.RenderRandom(faces, new Generator(2)) - a).abs().sum().item<float>() > 50, "another seed, other strokes");
        Assert.All((1 - a).mean([1, 2, 3]).data<float>().ToArray(), f => Assert.InRange(f, 0.01, 0.4));
        // A training sketch still follows its face: nearer its own face's sketch than another face's.
        for (int i = 0; i < 4; i++)
            Assert.True(FaceSketch.Chamfer(a[i..(i + 1)], sketch[i..(i + 1)], 64) < FaceSketch.Chamfer(a[i..(i + 1)], sketch[((i + 1) % 4)..((i + 1) % 4 + 1)], 64), $"face {i}");
    }

    [Fact]
    public void A_drawing_with_nothing_to_follow_is_refused_with_what_to_do()
    {
        FaceSketch.Check(Ring());
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => FaceSketch.Check(ones(1, 1, 64, 64))).Message);
        var dot = ones(1, 1, 256, 256);
        dot[0, 0, 100..104, 100..104] = 0;
        Assert.Contains("only a dot", Assert.Throws<ArgumentException>(() => FaceSketch.Check(dot)).Message);
        Assert.Contains("mostly ink", Assert.Throws<ArgumentException>(() => FaceSketch.Check(zeros(1, 1, 64, 64))).Message);
        Assert.Contains("not numbers", Assert.Throws<ArgumentException>(() => FaceSketch.Check(full(1, 1, 64, 64, float.NaN))).Message);
        Assert.Throws<ArgumentException>(() => FaceSketch.Check(ones(2, 1, 64, 64)));
    }

    [Fact]
    public void The_chamfer_distance_is_zero_for_the_same_lines_and_grows_with_a_shift()
    {
        Assert.Equal(0, FaceSketch.Chamfer(Ring(), Ring(), 64));
        double shift2 = FaceSketch.Chamfer(Ring(), Ring(cx: 33.5), 64), shift6 = FaceSketch.Chamfer(Ring(), Ring(cx: 37.5), 64);
        Assert.InRange(shift2, 0.8, 2);                      // a ring moved sideways: its sides move 2 px, its top and bottom slide along
        Assert.InRange(shift6, 2.5 * shift2, 6);
        Assert.Equal(FaceSketch.Chamfer(Ring(), Ring(cx: 37.5), 64), FaceSketch.Chamfer(Ring(cx: 37.5), Ring(), 64), 5);   // symmetric
        Assert.Equal(double.PositiveInfinity, FaceSketch.Chamfer(Ring(), ones(1, 1, 64, 64), 64));
        // A drawing at the canvas's display size is measured at the generator's size: thin strokes survive the shrink.
        var big = nn.functional.interpolate(Ring(), [256, 256], mode: InterpolationMode.Nearest);
        Assert.InRange(FaceSketch.Chamfer(big, Ring(), 64), 0, 0.75);
    }
}
