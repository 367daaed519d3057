// Upload → faces: detect (tiny face detector), 68 landmarks, then each face aligned to the pack's framing.
using FaceWeb.Engine.FaceApi;
using FaceWeb.Engine.Checkpoints;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Inversion;

/// <param name="Image">[1,3,size,size] in [−1,1], what the generator is asked to reproduce.</param>
public sealed record AlignedFace(FaceBox Box, double[,] Landmarks, Quad Quad, Tensor Image) : IDisposable
{
    public void Dispose() => Image.Dispose();
}

public sealed class FaceAligner(TinyFaceDetector detector, FaceLandmarks68 landmarks) : IDisposable
{
    public static FaceAligner Load(string modelDir) => new(TinyFaceDetector.Load(modelDir), FaceLandmarks68.Load(modelDir));

    /// <summary>
    /// Every face in a photo [1,3,H,W] (RGB 0..255), largest first, aligned to <paramref name="framing"/> at
    /// <paramref name="size"/> px. An empty list means no face was found.
    /// </summary>
    public List<AlignedFace> Align(Tensor rgb255, int size, FaceFraming framing, double minScore = 0.5)
    {
        using var _ = no_grad();
        var result = new List<AlignedFace>();
        foreach (var box in detector.Detect(rgb255, 416, minScore).OrderByDescending(b => b.Width * b.Height))
        {
            var points = landmarks.Detect(rgb255, box);
            var quad = Alignment.QuadFor(points, framing);
            using var scope = NewDisposeScope();
            var image = (Alignment.Warp(rgb255, quad, size) / 127.5 - 1).clamp(-1, 1).MoveToOuterDisposeScope();
            result.Add(new AlignedFace(box, points, quad, image));
        }
        return result;
    }

    /// <summary>Every face of an uploaded file (checked and decoded by <see cref="ImageUpload.DecodeRgb255"/>), as
    /// <see cref="Align"/>. The decoded photo is released at once and its native memory handed back: a large upload
    /// does not raise the process's memory for good.</summary>
    public List<AlignedFace> AlignUpload(byte[] photo, int size, FaceFraming framing)
    {
        List<AlignedFace> faces;
        using (var rgb = ImageUpload.DecodeRgb255(photo)) faces = Align(rgb, size, framing);
        NativeMemory.Trim();
        return faces;
    }

    /// <summary>Face <paramref name="index"/> (0 = the largest) aligned, or null when the photo has fewer faces;
    /// <paramref name="found"/> lists every face's box. The other faces are not kept.</summary>
    public AlignedFace? AlignOne(Tensor rgb255, int size, FaceFraming framing, int index, out IReadOnlyList<FaceBox> found)
    {
        var faces = Align(rgb255, size, framing);
        found = faces.Select(f => f.Box).ToList();
        foreach (var f in faces.Where((_, i) => i != index)) f.Dispose();
        return index >= 0 && index < faces.Count ? faces[index] : null;
    }

    /// <summary>The pack's framing from its manifest config ("framing": "ffhq" or "utkface"); FFHQ when unnamed, as for
    /// the published FFHQ generators.</summary>
    public static FaceFraming FramingOf(PackManifest? manifest) =>
        manifest?.Config is { } c && c.TryGetProperty("framing", out var f) && f.GetString() is { } name
            ? Enum.TryParse<FaceFraming>(name, ignoreCase: true, out var v) ? v : throw new CheckpointException($"unknown framing '{name}' in the pack's config (ffhq or utkface)")
            : FaceFraming.Ffhq;

    public void Dispose() { detector.Dispose(); landmarks.Dispose(); }
}
