// face-api.js's SSD MobileNet v1 face detector (Liu et al. 2016, "SSD: Single Shot MultiBox Detector", on Howard et
// al. 2017's MobileNet v1), read from the npm package @vladmandic/face-api (MIT). Slower than the tiny detector and far
// better on small or soft faces: the "found as a face" judge of the evaluations (FaceJudge.cs) uses it.
using static TorchSharp.torch;

namespace FaceWeb.Engine.FaceApi;

public sealed class SsdMobilenetV1(TfjsNet net) : IDisposable
{
    public static SsdMobilenetV1 Load(string modelDir) => new(new TfjsNet(Path.Combine(modelDir, "ssd_mobilenetv1_model-weights_manifest.json")));

    /// <summary>The input side face-api.js resizes every image to.</summary>
    public const int InputSize = 512;

    static Tensor Relu6(Tensor x) => x.clamp(0, 6);

    // conv (TF "same") + the folded batch norm's offset, ReLU6.
    Tensor Pointwise(Tensor x, string p, int stride)
    {
        var f = net[p + "/weights"];
        var y = nn.functional.conv2d(TfjsNet.PadSame(x, (int)f.shape[2], stride), f, net[p + "/convolution_bn_offset"], strides: [stride, stride]);
        return Relu6(y);
    }

    // depthwise 3×3 (same) + batch norm (ε 0.001), ReLU6.
    Tensor Depthwise(Tensor x, string p, int stride)
    {
        var f = net[p + "/depthwise_weights"];
        var y = nn.functional.conv2d(TfjsNet.PadSame(x, 3, stride), f, strides: [stride, stride], groups: f.shape[0]);
        var scale = net[p + "/BatchNorm/gamma"] / (net[p + "/BatchNorm/moving_variance"] + 0.0010000000474974513).sqrt();
        var shift = net[p + "/BatchNorm/beta"] - net[p + "/BatchNorm/moving_mean"] * scale;
        return Relu6(y * scale.view(1, -1, 1, 1) + shift.view(1, -1, 1, 1));
    }

    // One feature map's predictions: 1×1 convs to (anchors × 4) box encodings and (anchors × 3) class logits, in tfjs's
    // NHWC order (cell by cell, anchor by anchor) → [N,cells·anchors,4] and face logits [N,cells·anchors].
    (Tensor Boxes, Tensor Faces) Predict(Tensor x, int i)
    {
        string p = $"Prediction/BoxPredictor_{i}";
        var box = nn.functional.conv2d(x, net[p + "/BoxEncodingPredictor/weights"], net[p + "/BoxEncodingPredictor/biases"]);
        var cls = nn.functional.conv2d(x, net[p + "/ClassPredictor/weights"], net[p + "/ClassPredictor/biases"]);
        long n = x.shape[0];
        return (box.permute(0, 2, 3, 1).reshape(n, -1, 4), cls.permute(0, 2, 3, 1).reshape(n, -1, 3)[.., .., 1]);
    }

    /// <summary>[N,3,512,512] RGB 0..255 → boxes [N,5118,4] as (top, left, bottom, right)
    /// fractions of the input and face scores [N,5118] in 0..1.</summary>
    public (Tensor Boxes, Tensor Scores) Forward(Tensor rgb255)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        // → [−1, 1] with face-api.js's constants. Contiguous: an image decoded as [1,H,W,3] and permuted stays channels-last
        // through element-wise ops, and libtorch's channels-last depthwise convolution dies here with SIGFPE.
        var x = (rgb255 * 0.007843137718737125 - 1).contiguous();

        // MobileNet v1: a 3×3 conv, then 13 depthwise-separable pairs; strides 2 at pairs 2, 4, 6 and 12.
        x = Pointwise(x, "MobilenetV1/Conv2d_0_pointwise", 2);                                     // [N,32,256,256]
        Tensor conv11 = null!;
        for (int i = 1; i <= 13; i++)
        {
            x = Depthwise(x, $"MobilenetV1/Conv2d_{i}_depthwise", i is 2 or 4 or 6 or 12 ? 2 : 1);
            x = Pointwise(x, $"MobilenetV1/Conv2d_{i}_pointwise", 1);
            if (i == 11) conv11 = x;                                                               // [N,512,32,32]
        }                                                                                          // x: [N,1024,16,16]

        // SSD's extra feature maps, each half the size of the one before.
        var maps = new List<Tensor> { conv11, x };
        var y = x;
        for (int i = 0; i < 8; i++)
        {
            y = Pointwise(y, $"Prediction/Conv2d_{i}_pointwise", i % 2 == 1 ? 2 : 1);
            if (i % 2 == 1) maps.Add(y);                                                           // 8, 4, 2, 1
        }
        var predictions = maps.Select(Predict).ToList();
        var encodings = cat(predictions.Select(p => p.Boxes).ToList(), 1);                        // [N,5118,4]
        var scores = cat(predictions.Select(p => p.Faces).ToList(), 1).sigmoid();                 // [N,5118]

        // Box decoding against the exported anchors (top, left, bottom, right): centre offsets / 10, log sizes / 5.
        var a = net["Output/extra_dim"][0];                                                        // [5118,4]
        var size = a[.., 2..4] - a[.., 0..2];
        var centre = a[.., 0..2] + size / 2;
        var c = encodings[.., .., 0..2] / 10 * size + centre;
        var half = (encodings[.., .., 2..4] / 5).exp() * size / 2;
        var boxes = cat([c - half, c + half], 2);
        net.Constants("Preprocessor/mul/x", "Preprocessor/sub/y", "Preprocessor/ResizeImage/size", "Postprocessor/Slice/begin", "Postprocessor/Slice/size", "Postprocessor/stack/1", "concat_1/axis",
            "Prediction/BoxPredictor_0/strided_slice/stack", "Prediction/BoxPredictor_0/strided_slice/stack_1", "Prediction/BoxPredictor_0/stack/3",
            "Prediction/BoxPredictor_0/stack_1/2");
        net.Constants([.. Enumerable.Range(0, 6).Select(i => $"Prediction/BoxPredictor_{i}/stack_1/1")]);
        net.CheckAllUsed();
        return (boxes.MoveToOuterDisposeScope(), scores.MoveToOuterDisposeScope());
    }

    /// <summary>Faces in an image [1,3,H,W] (RGB 0..255), in its pixels: padded to a square at the bottom/right, resized
    /// to 512, scores above <paramref name="minScore"/>, face-api.js's non-maximum suppression (IoU 0.5, at most
    /// <paramref name="maxResults"/>).</summary>
    public List<FaceBox> Detect(Tensor rgb255, double minScore = 0.5, int maxResults = 100)
    {
        long side = Math.Max(rgb255.shape[2], rgb255.shape[3]);
        using var scope = NewDisposeScope();
        var (boxes, scores) = Forward(TfjsNet.SquareInput(rgb255, InputSize));
        var b = boxes[0].cpu().data<float>().ToArray();
        var s = scores[0].cpu().data<float>().ToArray();
        var kept = new List<int>();
        foreach (int i in Enumerable.Range(0, s.Length).Where(i => s[i] > minScore).OrderByDescending(i => s[i]))
        {
            if (kept.Count >= maxResults) break;
            if (kept.All(k => Iou(b, i, k) <= 0.5)) kept.Add(i);
        }
        return kept.Select(i =>
        {
            double top = Math.Max(0, b[4 * i]) * side, bottom = Math.Min(1, b[4 * i + 2]) * side;
            double left = Math.Max(0, b[4 * i + 1]) * side, right = Math.Min(1, b[4 * i + 3]) * side;
            return new FaceBox(left, top, right - left, bottom - top, s[i]);
        }).ToList();
    }

    // IoU of boxes i and j (corners in either order; a box without area overlaps nothing), as face-api.js computes it.
    static double Iou(float[] b, int i, int j)
    {
        static (double Y0, double X0, double Y1, double X1) Box(float[] b, int k) =>
            (Math.Min(b[4 * k], b[4 * k + 2]), Math.Min(b[4 * k + 1], b[4 * k + 3]), Math.Max(b[4 * k], b[4 * k + 2]), Math.Max(b[4 * k + 1], b[4 * k + 3]));
        var (p, q) = (Box(b, i), Box(b, j));
        double areaP = (p.Y1 - p.Y0) * (p.X1 - p.X0), areaQ = (q.Y1 - q.Y0) * (q.X1 - q.X0);
        if (areaP <= 0 || areaQ <= 0) return 0;
        double inter = Math.Max(Math.Min(p.Y1, q.Y1) - Math.Max(p.Y0, q.Y0), 0) * Math.Max(Math.Min(p.X1, q.X1) - Math.Max(p.X0, q.X0), 0);
        return inter / (areaP + areaQ - inter);
    }

    public void MoveTo(Device device) => net.MoveTo(device);

    public void Dispose() => net.Dispose();
}
