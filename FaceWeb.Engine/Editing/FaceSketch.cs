// Sketches of faces for TediGAN's visual side (Xia et al. 2021, §3.2: its sketches are photos passed through an edge
// filter and a sketch simplifier). Here: the lines a person would draw from an image (thin edges, the strongest few
// percent), randomised for training (stroke width, jitter, dropped strokes, amount of detail) so that hand drawings
// fall inside what the sketch encoder saw; the checks a drawing must pass; and how far two sketches' lines lie apart.
using FaceWeb.Engine.Generators;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Editing;

/// <summary>How much a training sketch varies.</summary>
/// <param name="MinInk">Least and most of the picture drawn (fraction of pixels on a line).</param>
/// <param name="MaxJitter">Largest wobble of the lines, in pixels (a smooth random displacement).</param>
/// <param name="MaxDrop">Largest fraction of the picture whose lines are left out (in patches, as a person skips strokes).</param>
/// <param name="ThickProbability">How often lines are drawn 2 px (else 1 px) wide; an eighth of those 3 px.</param>
public sealed record SketchAugment(double MinInk = 0.05, double MaxInk = 0.13, double MaxJitter = 1.2, double MaxDrop = 0.35, double ThickProbability = 0.5);

public static class FaceSketch
{
    /// <summary>The fraction of pixels a rendered sketch draws (its level of detail).</summary>
    public const double DefaultInk = 0.09;

    /// <summary>A face's sketch: grey levels, dark 1 px lines (0) on white paper (1). [N,3,S,S] in [−1,1] → [N,1,S,S]</summary>
    public static Tensor Render(Tensor images, double ink = DefaultInk)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var fraction = full([images.shape[0]], ink, device: images.device);
        return (1 - Lines(images, fraction)).MoveToOuterDisposeScope();
    }

    /// <summary>A randomised training sketch (<see cref="SketchAugment"/>), reproducible from <paramref name="rng"/> (a CPU
    /// generator). [N,3,S,S] in [−1,1] → [N,1,S,S], 1 = paper</summary>
    public static Tensor RenderRandom(Tensor images, Generator rng, SketchAugment? augment = null)
    {
        var a = augment ?? new SketchAugment();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        long n = images.shape[0], size = images.shape[2];
        var dev = images.device;
        Tensor U(params long[] shape) => rand(shape, generator: rng).to(dev);                       // uniform [0,1) on the images' device
        var lines = Lines(images, a.MinInk + (a.MaxInk - a.MinInk) * U(n));
        // Jitter: a smooth displacement field (5×5 control points, bilinear) moves the lines by up to MaxJitter px.
        var amount = U(n, 1, 1, 1) * a.MaxJitter * 2 / size;                                           // pixels → grid units
        var field = nn.functional.interpolate((U(n, 2, 5, 5) * 2 - 1) * amount, [size, size], mode: InterpolationMode.Bilinear, align_corners: true);
        var identity = nn.functional.affine_grid(eye(2, 3, device: dev).unsqueeze(0).expand(n, -1, -1), [n, 1, size, size], align_corners: false);
        lines = nn.functional.grid_sample(lines, identity + field.permute(0, 2, 3, 1), align_corners: false) > 0.35;
        // Dropped strokes: patches (a 6×6 random field) below each sketch's drop level lose their lines.
        var patches = nn.functional.interpolate(U(n, 1, 6, 6), [size, size], mode: InterpolationMode.Bilinear, align_corners: true);
        lines = lines.logical_and(patches >= U(n, 1, 1, 1) * a.MaxDrop).to(float32);
        // Stroke width: 1 px, 2 px (a 2×2 max) or 3 px (3×3).
        var width = U(n);
        var two = nn.functional.max_pool2d(nn.functional.pad(lines, [0, 1, 0, 1]), 2, 1);
        var three = nn.functional.max_pool2d(lines, 3, 1, 1);
        var thick = width.lt(a.ThickProbability).view(-1, 1, 1, 1);
        var thicker = width.lt(a.ThickProbability / 8).view(-1, 1, 1, 1);
        lines = where(thicker, three, where(thick, two, lines));
        return (1 - lines).MoveToOuterDisposeScope();
    }

    /// <summary>Thin edges, the strongest <paramref name="ink"/> [N] of each picture, isolated pixels removed: 1 on a
    /// line, 0 elsewhere. [N,3,S,S] → [N,1,S,S]</summary>
    static Tensor Lines(Tensor images, Tensor ink)
    {
        using var scope = NewDisposeScope();
        var grey = TediGan.Blur(((images.mean([1], keepdim: true) + 1) / 2).clamp(0, 1));   // the blur keeps texture and noise out
        var m = TediGan.SobelMagnitude(grey);                                                   // [N,1,H,W]
        long h = m.shape[2], w = m.shape[3];
        // Thin: keep a pixel that is the strongest of its row neighbours or of its column neighbours (a ridge of the magnitude).
        var p = nn.functional.pad(m, [1, 1, 1, 1], PaddingModes.Replicate);
        Tensor P(long dy, long dx) => p[.., .., TensorIndex.Slice(dy, dy + h), TensorIndex.Slice(dx, dx + w)];
        var ridge = m.ge(maximum(P(1, 0), P(1, 2))).logical_or(m.ge(maximum(P(0, 1), P(2, 1))));
        var thin = (m * ridge).flatten(1);                                                      // [N,H·W]
        var k = (ink * h * w).clamp(1, h * w - 1).to(int64);
        var threshold = thin.sort(1, descending: true).Values.gather(1, k.view(-1, 1));        // each picture's k-th strongest
        var lines = thin.gt(threshold).logical_and(thin.gt(1e-3)).to(float32).view(-1, 1, h, w);
        var neighbours = nn.functional.avg_pool2d(nn.functional.pad(lines, [1, 1, 1, 1]), 3, 1) * 9 - lines;
        return (lines * neighbours.ge(0.5)).MoveToOuterDisposeScope();
    }

    /// <summary>A drawing [1,1,h,w] (1 = paper) at <paramref name="size"/>²: area-averaged ink, doubled so thin strokes
    /// survive, then cut at half: 1 = paper, 0 = ink. [1,1,size,size]</summary>
    public static Tensor Resize(Tensor sketch, int size)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var ink = 1 - sketch.to(float32).clamp(0, 1);
        if (ink.shape[2] != size || ink.shape[3] != size)
            ink = (nn.functional.interpolate(ink, [size, size], mode: InterpolationMode.Area) * 2).clamp(0, 1);
        return (1 - ink.ge(0.5).to(float32)).MoveToOuterDisposeScope();
    }

    /// <summary>Refuses a drawing with nothing to follow, each with what to do: an empty canvas, a dot, a canvas that
    /// is mostly ink. [1,1,h,w] or [h,w] in [0,1], 1 = paper.</summary>
    public static void Check(Tensor sketch)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var s = sketch.dim() == 2 ? sketch.view(1, 1, sketch.shape[0], sketch.shape[1]) : sketch;
        if (s.dim() != 4 || s.shape[0] != 1 || s.shape[1] != 1) throw new ArgumentException($"a sketch is one grey image [1,1,H,W], got [{string.Join(",", sketch.shape)}]");
        if (!s.isfinite().all().item<bool>()) throw new ArgumentException("The sketch contains values that are not numbers.");
        var ink = s.lt(0.5)[0, 0];
        long count = ink.sum().item<long>(), side = Math.Max(s.shape[2], s.shape[3]);
        if (count == 0) throw new ArgumentException("The sketch is empty: draw something first.");
        if (count > 0.5 * s.shape[2] * s.shape[3])
            throw new ArgumentException("The sketch is mostly ink: draw dark lines on white paper (there are no lines to follow on a dark canvas).");
        var at = ink.nonzero();                                                                // [K,2] (y, x)
        var extent = (at.amax(0) - at.amin(0)).amax().item<long>() + 1;
        if (extent < 0.15 * side)
            throw new ArgumentException("The sketch is only a dot: draw the outline of a face, its eyes and mouth.");
    }

    /// <summary>How far apart two sketches' lines lie, in pixels of <paramref name="size"/>: the symmetric chamfer
    /// distance (mean distance from each line pixel of one to the nearest of the other, averaged both ways).
    /// Infinity when either has no lines.</summary>
    public static double Chamfer(Tensor a, Tensor b, int size)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Tensor Points(Tensor s) => Resize(s.cpu(), size)[0, 0].lt(0.5).nonzero().to(float32);     // [K,2]
        var (pa, pb) = (Points(a), Points(b));
        if (pa.shape[0] == 0 || pb.shape[0] == 0) return double.PositiveInfinity;
        var d = cdist(pa, pb);
        return ((d.amin(1).mean() + d.amin(0).mean()) / 2).item<float>();
    }

    /// <summary>The chamfer distance between a drawing and the sketch of a generated face [1,3,S,S].</summary>
    public static double Follows(Tensor drawing, Tensor image)
    {
        using var sketch = Render(image);
        return Chamfer(drawing, sketch, (int)image.shape[2]);
    }

    /// <summary>A sketch [1,1,S,S] as a PNG (black lines on white).</summary>
    public static byte[] Png(Tensor sketch) => ImageTensors.ToPng((sketch * 2 - 1).expand(-1, 3, -1, -1));
}
