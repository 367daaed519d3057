// Face alignment from 68 landmarks. FFHQ's recipe (Karras et al. 2019, the FFHQ dataset's alignment): an oriented
// square from the eye and mouth landmarks, c = eye midpoint + 0.1·(eye→mouth), half-side max(2·|eye→eye|,
// 1.8·|eye→mouth|). Packs trained on other framings (the default pack: UTKFace's tight crop) name their own: a
// similarity transform that puts the eye centres and the mouth centre where that framing has them.
using static TorchSharp.torch;

namespace FaceWeb.Engine.Inversion;

public enum FaceFraming { Ffhq, UtkFace }

/// <summary>An output square in source pixels: corners top-left, top-right, bottom-right, bottom-left.</summary>
public sealed record Quad((double X, double Y) TopLeft, (double X, double Y) TopRight, (double X, double Y) BottomRight, (double X, double Y) BottomLeft)
{
    /// <summary>Where an output point (fractions u, v of the side) comes from in the source.</summary>
    public (double X, double Y) Source(double u, double v) =>
        (TopLeft.X + u * (TopRight.X - TopLeft.X) + v * (BottomLeft.X - TopLeft.X), TopLeft.Y + u * (TopRight.Y - TopLeft.Y) + v * (BottomLeft.Y - TopLeft.Y));

    public double Side => Math.Sqrt(Math.Pow(TopRight.X - TopLeft.X, 2) + Math.Pow(TopRight.Y - TopLeft.Y, 2));

    /// <summary>The inverse: a source point → (u, v) fractions of the output side.</summary>
    public (double U, double V) Output(double x, double y)
    {
        double ax = TopRight.X - TopLeft.X, ay = TopRight.Y - TopLeft.Y, bx = BottomLeft.X - TopLeft.X, by = BottomLeft.Y - TopLeft.Y;
        double det = ax * by - ay * bx, dx = x - TopLeft.X, dy = y - TopLeft.Y;
        return ((dx * by - dy * bx) / det, (ax * dy - ay * dx) / det);
    }
}

public static class Alignment
{
    /// <summary>UTKFace's framing (and the default pack's), as fractions of the side: eye centres and mouth centre
    /// (training/prepare_data.py measured them on 128 px crops: eyes (36, 36) and (88, 37), mouth line y 91).</summary>
    public static readonly (double X, double Y)[] UtkTargets = [(36 / 128.0, 36.5 / 128), (88 / 128.0, 36.5 / 128), (62 / 128.0, 91 / 128.0)];

    static (double X, double Y) Mean(double[,] lm, int from, int to)
    {
        double x = 0, y = 0;
        for (int i = from; i < to; i++) { x += lm[i, 0]; y += lm[i, 1]; }
        return (x / (to - from), y / (to - from));
    }

    /// <summary>(left eye, right eye, mouth) centres of 68 landmarks in iBUG order: points 36–41, 42–47 and the mean of 48 and 54.</summary>
    public static ((double X, double Y) LeftEye, (double X, double Y) RightEye, (double X, double Y) Mouth) KeyPoints(double[,] lm)
    {
        if (lm.GetLength(0) != 68 || lm.GetLength(1) != 2) throw new ArgumentException("alignment needs 68 (x, y) landmarks");
        return (Mean(lm, 36, 42), Mean(lm, 42, 48), ((lm[48, 0] + lm[54, 0]) / 2, (lm[48, 1] + lm[54, 1]) / 2));
    }

    public static Quad QuadFor(double[,] lm, FaceFraming framing) => framing == FaceFraming.Ffhq ? Ffhq(lm) : Similarity(lm, UtkTargets);

    /// <summary>FFHQ's oriented square.</summary>
    public static Quad Ffhq(double[,] lm)
    {
        var (l, r, m) = KeyPoints(lm);
        (double X, double Y) eye = ((l.X + r.X) / 2, (l.Y + r.Y) / 2), e2e = (r.X - l.X, r.Y - l.Y), e2m = (m.X - eye.X, m.Y - eye.Y);
        (double X, double Y) x = (e2e.X + e2m.Y, e2e.Y - e2m.X);                       // eye→eye minus eye→mouth turned by 90°
        double n = Math.Sqrt(x.X * x.X + x.Y * x.Y), half = Math.Max(2 * Hypot(e2e), 1.8 * Hypot(e2m));
        x = (x.X / n * half, x.Y / n * half);
        (double X, double Y) y = (-x.Y, x.X);
        (double X, double Y) c = (eye.X + 0.1 * e2m.X, eye.Y + 0.1 * e2m.Y);
        return new Quad((c.X - x.X - y.X, c.Y - x.Y - y.Y), (c.X + x.X - y.X, c.Y + x.Y - y.Y), (c.X + x.X + y.X, c.Y + x.Y + y.Y), (c.X - x.X + y.X, c.Y - x.Y + y.Y));
    }

    static double Hypot((double X, double Y) v) => Math.Sqrt(v.X * v.X + v.Y * v.Y);

    /// <summary>The least-squares similarity (scale, rotation, shift) taking the eye and mouth centres to
    /// <paramref name="targets"/> (fractions of the side), as the square it makes in the source.</summary>
    public static Quad Similarity(double[,] lm, IReadOnlyList<(double X, double Y)> targets)
    {
        var (l, r, m) = KeyPoints(lm);
        (double X, double Y)[] src = [l, r, m];
        // Solve source = [a −b; b a]·target + t in least squares (Umeyama without reflection).
        double tx = targets.Average(t => t.X), ty = targets.Average(t => t.Y), sx = src.Average(p => p.X), sy = src.Average(p => p.Y);
        double num1 = 0, num2 = 0, den = 0;
        for (int i = 0; i < 3; i++)
        {
            double ux = targets[i].X - tx, uy = targets[i].Y - ty, vx = src[i].X - sx, vy = src[i].Y - sy;
            num1 += ux * vx + uy * vy; num2 += ux * vy - uy * vx; den += ux * ux + uy * uy;
        }
        double a = num1 / den, b = num2 / den;
        (double X, double Y) Map(double u, double v) => (a * (u - tx) - b * (v - ty) + sx, b * (u - tx) + a * (v - ty) + sy);
        return new Quad(Map(0, 0), Map(1, 0), Map(1, 1), Map(0, 1));
    }

    /// <summary>Samples the quad of an image [1,3,H,W] into a size×size square (bilinear; reflected outside the photo;
    /// the photo is first box-filtered when the square shrinks it by more than 2×).</summary>
    public static Tensor Warp(Tensor image, Quad quad, int size)
    {
        using var scope = NewDisposeScope();
        var x = image.to(float32);
        double scale = 1;
        int shrink = (int)Math.Floor(quad.Side / size / 2);
        if (shrink >= 2) { x = nn.functional.avg_pool2d(x, shrink, shrink, ceil_mode: true, count_include_pad: false); scale = shrink; }
        long h = x.shape[2], w = x.shape[3];
        var grid = new float[size * size * 2];
        for (int v = 0; v < size; v++)
            for (int u = 0; u < size; u++)
            {
                var (sx, sy) = quad.Source((u + 0.5) / size, (v + 0.5) / size);
                grid[(v * size + u) * 2] = (float)(2 * (sx / scale) / w - 1);
                grid[(v * size + u) * 2 + 1] = (float)(2 * (sy / scale) / h - 1);
            }
        var g = tensor(grid, [1, size, size, 2], device: x.device);
        return nn.functional.grid_sample(x, g, GridSampleMode.Bilinear, GridSamplePaddingMode.Reflection, align_corners: false).MoveToOuterDisposeScope();
    }
}
