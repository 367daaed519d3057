// How face-api.js's age net (the age judge of `eval text2face` and `eval edits`) reads real faces of known age at the
// pack's size: issue 18 asks the judge to be calibrated before it is believed.
using static TorchSharp.torch;

namespace FaceWeb.Engine.Evaluation;

/// <param name="Bucket">the faces' labelled age bucket (<see cref="TextToFaceCheck.AgeBucket"/>).</param>
/// <param name="Agree">the fraction face-api.js's age net puts in the same bucket, as it is asked of text → face's outputs.</param>
/// <param name="ReadAs">how the net's readings of these faces spread over the four buckets (child, young, middle, old).</param>
public sealed record AgeJudgeRow(string Bucket, int Faces, double Agree, double MeanLabel, double MeanRead, IReadOnlyList<double> ReadAs);

/// <summary>`faceweb eval judge`'s age table: face-api.js's age net, the age judge of <c>eval text2face</c> and <c>eval edits</c>,
/// on real faces of known age (UTKFace's labels) at the pack's resolution and framing, by bucket, so that a bucket the
/// judge cannot read at that size (for text → face's captions) is known as the judge's, not the method's.</summary>
public static class AgeJudgeCalibration
{
    public static readonly string[] Buckets = ["child", "young", "middle", "old"];

    /// <param name="faces">real faces [N,3,S,S] in [−1,1], their labelled ages [N].</param>
    /// <param name="tick">called after each batch of <paramref name="batch"/> faces.</param>
    public static List<AgeJudgeRow> Run(EditJudges judges, Tensor faces, IReadOnlyList<int> ages, int batch = 64, Action? tick = null, CancellationToken ct = default)
    {
        if (faces.shape[0] != ages.Count) throw new ArgumentException("one age per face");
        var read = new List<float>();
        for (long i = 0; i < faces.shape[0]; i += batch)
        {
            ct.ThrowIfCancellationRequested();
            read.AddRange(judges.Ages(faces[TensorIndex.Slice(i, Math.Min(faces.shape[0], i + batch))]));
            tick?.Invoke();
        }
        return [.. Buckets.Select(b =>
        {
            var idx = Enumerable.Range(0, ages.Count).Where(i => TextToFaceCheck.AgeBucket(ages[i]) == b).ToList();
            double Share(Func<int, bool> f) => idx.Count == 0 ? double.NaN : idx.Count(f) / (double)idx.Count;
            return new AgeJudgeRow(b, idx.Count, Share(i => TextToFaceCheck.AgeBucket(read[i]) == b),
                idx.Count == 0 ? double.NaN : idx.Average(i => (double)ages[i]), idx.Count == 0 ? double.NaN : idx.Average(i => (double)read[i]),
                [.. Buckets.Select(r => Share(i => TextToFaceCheck.AgeBucket(read[i]) == r))]);
        })];
    }
}
