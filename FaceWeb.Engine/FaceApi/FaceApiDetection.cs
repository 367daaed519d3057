// Face detection and 68 landmarks with face-api.js's tiny face detector (a Tiny-YOLOv2 variant with separable
// convolutions; Redmon & Farhadi 2017) and its 68-point landmark net (iBUG 300-W point order), read from the npm
// package @vladmandic/face-api (MIT). Upload → detect → landmarks → alignment (Alignment.cs).
using static TorchSharp.torch;

namespace FaceWeb.Engine.FaceApi;

/// <summary>A detected face in image pixels (top-left origin).</summary>
public sealed record FaceBox(double X, double Y, double Width, double Height, double Score)
{
    public double Iou(FaceBox o)
    {
        double ix = Math.Max(0, Math.Min(X + Width, o.X + o.Width) - Math.Max(X, o.X));
        double iy = Math.Max(0, Math.Min(Y + Height, o.Y + o.Height) - Math.Max(Y, o.Y));
        double inter = ix * iy;
        return inter / (Width * Height + o.Width * o.Height - inter);
    }
}

public sealed class TinyFaceDetector(TfjsNet net) : IDisposable
{
    static readonly float[] Mean = [117.001f, 114.697f, 97.404f];
    // Anchor sizes in grid cells (face-api.js's tiny face detector).
    static readonly (double W, double H)[] Anchors = [(1.603231, 2.094468), (6.041143, 7.080126), (2.882459, 3.518061), (4.266906, 5.178857), (9.041765, 10.66308)];

    public static TinyFaceDetector Load(string modelDir) => new(new TfjsNet(Path.Combine(modelDir, "tiny_face_detector_model-weights_manifest.json")));

    static Tensor Leaky(Tensor x) => nn.functional.leaky_relu(x, 0.1);

    /// <summary>[1,3,S,S] RGB 0..255 (S divisible by 32) → raw grid [1,25,S/32,S/32]: 5 anchors × (tx, ty, tw, th, score).</summary>
    public Tensor Forward(Tensor rgb255)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var x = (rgb255 - tensor(Mean, device: rgb255.device).view(1, 3, 1, 1)) / 255f;
        x = Leaky(nn.functional.conv2d(x, net["conv0/filters"], net["conv0/bias"]));                          // valid: S − 2
        x = Pool(x, 2);
        for (int i = 1; i <= 5; i++)
        {
            x = Leaky(net.Sep(x, $"conv{i}"));                                                                 // pad 1 all round, 3×3
            x = Pool(x, i < 5 ? 2 : 1);
        }
        var y = nn.functional.conv2d(x, net["conv8/filters"], net["conv8/bias"]);
        net.CheckAllUsed();
        return y.MoveToOuterDisposeScope();
    }

    // 2×2 max pool, TF "same" (padded cells never win).
    static Tensor Pool(Tensor x, int stride) => nn.functional.max_pool2d(TfjsNet.PadSame(x, 2, stride, double.NegativeInfinity), 2, stride);

    /// <summary>
    /// Faces in an image [1,3,H,W] (RGB 0..255): padded to a square at the bottom/right, resized to
    /// <paramref name="inputSize"/>, decoded, thresholded and reduced by non-maximum suppression (IoU 0.4).
    /// </summary>
    public List<FaceBox> Detect(Tensor rgb255, int inputSize = 416, double minScore = 0.5)
    {
        if (inputSize % 32 != 0) throw new ArgumentException("the detector's input size must be a multiple of 32");
        long side = Math.Max(rgb255.shape[2], rgb255.shape[3]);
        using var scope = NewDisposeScope();
        var grid = Forward(TfjsNet.SquareInput(rgb255, inputSize))[0].permute(1, 2, 0).contiguous();          // [G,G,25]
        int g = (int)grid.shape[0];
        var v = grid.data<float>().ToArray();
        double cell = side / (double)g;
        var boxes = new List<FaceBox>();
        for (int row = 0; row < g; row++)
            for (int col = 0; col < g; col++)
                for (int a = 0; a < Anchors.Length; a++)
                {
                    int o = (row * g + col) * 25 + a * 5;
                    double score = Sigmoid(v[o + 4]);
                    if (score < minScore) continue;
                    double cx = (col + Sigmoid(v[o])) * cell, cy = (row + Sigmoid(v[o + 1])) * cell;
                    double bw = Math.Exp(v[o + 2]) * Anchors[a].W * cell, bh = Math.Exp(v[o + 3]) * Anchors[a].H * cell;
                    boxes.Add(new FaceBox(cx - bw / 2, cy - bh / 2, bw, bh, score));
                }
        var kept = new List<FaceBox>();
        foreach (var b in boxes.OrderByDescending(b => b.Score))
            if (kept.All(k => k.Iou(b) <= 0.4)) kept.Add(b);
        return kept;
    }

    static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    public void Dispose() => net.Dispose();
}

/// <summary>face-api.js's 68-point landmark net: the expression net's backbone with a 256 → 136 head.</summary>
public sealed class FaceLandmarks68(TfjsNet net) : IDisposable
{
    public static FaceLandmarks68 Load(string modelDir) => new(new TfjsNet(Path.Combine(modelDir, "face_landmark_68_model-weights_manifest.json")));

    /// <summary>[N,3,112,112] RGB 0..255 → [N,68,2] (x, y) as fractions of the 112 px input.</summary>
    public Tensor Forward(Tensor rgb255)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var o = net.Fc(FaceApiExpressionNet.DenseFeatures(net, FaceApiInput.Normalise(rgb255)), "fc");
        net.CheckAllUsed();
        return o.view(-1, 68, 2).MoveToOuterDisposeScope();
    }

    /// <summary>Landmarks of the face in <paramref name="box"/> of an image [1,3,H,W] (RGB 0..255), in image pixels [68,2].
    /// The box is cut out (zero outside the image), padded to a square centred on it, and resized to 112.</summary>
    public double[,] Detect(Tensor rgb255, FaceBox box)
    {
        using var scope = NewDisposeScope();
        long h = rgb255.shape[2], w = rgb255.shape[3];
        int x0 = (int)Math.Round(box.X), y0 = (int)Math.Round(box.Y), bw = Math.Max(1, (int)Math.Round(box.Width)), bh = Math.Max(1, (int)Math.Round(box.Height));
        long left = Math.Max(0, -x0), right = Math.Max(0, x0 + bw - w), top = Math.Max(0, -y0), bottom = Math.Max(0, y0 + bh - h);
        var crop = nn.functional.pad(rgb255, [left, right, top, bottom]).narrow(2, y0 + top, bh).narrow(3, x0 + left, bw);
        int side = Math.Max(bw, bh);
        int padX = side - bw, padY = side - bh;
        var square = nn.functional.pad(crop, [padX / 2, padX - padX / 2, padY / 2, padY - padY / 2]);
        var input = nn.functional.interpolate(square, [FaceApiInput.Size, FaceApiInput.Size], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        var rel = Forward(input)[0].data<float>().ToArray();
        var pts = new double[68, 2];
        for (int i = 0; i < 68; i++)
        {
            pts[i, 0] = x0 - padX / 2 + rel[2 * i] * side;
            pts[i, 1] = y0 - padY / 2 + rel[2 * i + 1] * side;
        }
        return pts;
    }

    public void Dispose() => net.Dispose();
}
