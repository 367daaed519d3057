// "Found as a face": the evaluations' face / no-face judge (issue 18). The default is face-api.js's SSD MobileNet v1
// detector on the face shrunk or grown to 205 px in the middle of a 512 px grey canvas (the detector's input size; the
// issue's "200 px inside a 500 px grey canvas", which face-api.js resizes to 512 anyway): on 64 px faces the tiny
// detector finds few of the pack's own samples, the SSD detector all of them (`faceweb eval judge` measures both on
// samples, held-out real faces and images that are not faces). The tiny detector on the face upscaled to 160 px is the
// first judge, kept to reproduce the tables measured with it.
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.FaceApi;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Evaluation;

public interface IFaceFound : IDisposable
{
    /// <summary>How it judges, for table captions.</summary>
    string Name { get; }

    /// <summary>Faces [N,3,H,W] in [−1,1] → the detector's best face score for each.</summary>
    float[] Scores(Tensor faces);

    /// <summary>The score above which a face counts as found (the detector's own default).</summary>
    double Threshold { get; }
}

public static class FaceFound
{
    /// <summary>"ssd" (the default) or "tiny" (the first judge), read from face-api.js's model folder.</summary>
    public static IFaceFound Load(string kind, string faceApiDir) => kind switch
    {
        "ssd" => new SsdFaceFound(SsdMobilenetV1.Load(faceApiDir)),
        "tiny" => new TinyFaceFound(TinyFaceDetector.Load(faceApiDir)),
        _ => throw new ArgumentException($"no face judge '{kind}': ssd or tiny"),
    };

    public static bool[] Found(this IFaceFound judge, Tensor faces) => [.. judge.Scores(faces).Select(s => s > judge.Threshold)];

    public static bool Found(this IFaceFound judge, Tensor face, int index) => judge.Found(face[index..(index + 1)])[0];
}

/// <summary>SSD MobileNet v1 on each face resized (antialiased) to 205 px in the middle of a 512 px canvas of grey 128.</summary>
public sealed class SsdFaceFound(SsdMobilenetV1 ssd) : IFaceFound
{
    public const int Canvas = SsdMobilenetV1.InputSize, Face = 205;
    public string Name => $"SSD MobileNet v1, face at {Face} px in a {Canvas} px grey canvas";
    public double Threshold => 0.5;

    /// <summary>Faces [N,3,H,W] in [−1,1] → canvases [N,3,512,512] in 0..255 as the detector reads them.</summary>
    public static Tensor Canvases(Tensor faces)
    {
        using var scope = NewDisposeScope();
        var f = nn.functional.interpolate(faces.clamp(-1, 1), [Face, Face], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        int before = (Canvas - Face) / 2, after = Canvas - Face - before;
        var canvas = nn.functional.pad((f + 1) * 127.5, [before, after, before, after], value: 128);
        return canvas.MoveToOuterDisposeScope();
    }

    public float[] Scores(Tensor faces)
    {
        using var _ = no_grad();
        var scores = new List<float>();
        for (long i = 0; i < faces.shape[0]; i += 8)                                   // 8 canvases at a time: ~1 GB of activations
        {
            using var scope = NewDisposeScope();
            var (_, s) = ssd.Forward(Canvases(faces[TensorIndex.Slice(i, Math.Min(i + 8, faces.shape[0]))]));
            scores.AddRange(s.max(1).values.cpu().data<float>());
        }
        return [.. scores];
    }

    public void Dispose() => ssd.Dispose();
}

/// <summary>The first judge: the tiny face detector (score ≥ 0.5) on the face upscaled to 160 px.</summary>
public sealed class TinyFaceFound(TinyFaceDetector detector) : IFaceFound
{
    public string Name => "tiny face detector, face upscaled to 160 px";
    public double Threshold => 0.5 - 1e-9;                                            // the tiny detector keeps score ≥ 0.5

    public float[] Scores(Tensor faces)
    {
        using var _ = no_grad();
        var scores = new float[faces.shape[0]];
        for (int i = 0; i < scores.Length; i++)
        {
            using var scope = NewDisposeScope();
            var x = nn.functional.interpolate(faces[i..(i + 1)].clamp(-1, 1), [160, 160], mode: InterpolationMode.Bilinear, align_corners: false);
            var found = detector.Detect((x + 1) * 127.5, 160, 0.01);
            scores[i] = found.Count == 0 ? 0 : (float)found.Max(b => b.Score);
        }
        return scores;
    }

    public void Dispose() => detector.Dispose();
}

/// <summary>One set of images in the judge's calibration: how many each judge finds as a face, and its mean best score.</summary>
public sealed record FaceFoundRow(string Set, int Images, bool Faces, double[] Found, double[] MeanScore);

/// <summary>`faceweb eval judge`: every judge on the pack's random samples, held-out real faces, and images that are not
/// faces (noise, smooth colour fields, the samples' own pixels shuffled), so "found as a face" is known to mean a face.</summary>
public static class FaceFoundCalibration
{
    /// <param name="reals">held-out real faces [N,3,S,S] in [−1,1] at the pack's resolution and framing.</param>
    public static List<FaceFoundRow> Run(PackEditor editor, Tensor reals, IReadOnlyList<IFaceFound> judges, int n, double truncation, Action? tick = null)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var samples = cat(Enumerable.Range(0, n).Select(i =>
        {
            using var start = editor.SeedStart(i, truncation);
            using var r = editor.Render(start);
            tick?.Invoke();
            return r.Image.clone();
        }).ToList(), 0);                                                                            // [n,3,S,S]
        long side = samples.shape[2];
        var g = new Generator(0);
        var noise = rand([n, 3, side, side], generator: g) * 2 - 1;
        var smooth = nn.functional.interpolate(rand([n, 3, 8, 8], generator: g) * 2 - 1, [side, side], mode: InterpolationMode.Bicubic, align_corners: false).clamp(-1, 1);
        var order = randperm(side * side, generator: g);
        var shuffled = samples.flatten(2).index_select(2, order).view(samples.shape);
        var sets = new (string Name, bool Faces, Tensor Images)[]
        {
            ($"the pack's random samples at ψ {truncation:0.0#}", true, samples),
            ($"held-out real faces at {reals.shape[2]} px", true, reals[..Math.Min(n, (int)reals.shape[0])]),
            ("uniform noise", false, noise),
            ("smooth colour fields (8 × 8, bicubic)", false, smooth),
            ("the samples' pixels shuffled", false, shuffled),
        };
        return [.. sets.Select(set =>
        {
            var scores = judges.Select(j => j.Scores(set.Images)).ToList();
            var row = new FaceFoundRow(set.Name, (int)set.Images.shape[0], set.Faces,
                [.. judges.Select((j, k) => scores[k].Average(s => s > j.Threshold ? 1.0 : 0.0))], [.. scores.Select(s => s.Average(v => (double)v))]);
            tick?.Invoke();
            return row;
        })];
    }
}
