// `faceweb eval sketch2face` (issue 20): sketches rendered from real faces the encoder never saw → faces, by the sketch
// encoder alone, the encoder plus refinement, and the method before the encoder (refinement from a seed's face). Each
// output is measured against its input and its source: how far its lines lie from the sketch (FaceSketch.Chamfer, px),
// whether face-api.js's recognition net calls it the same person as the real face, whether its detector finds a face.
using System.Diagnostics;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.FaceApi;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Evaluation;

/// <param name="Lines">mean chamfer distance between the input sketch and the output's sketch, px at the pack's size.</param>
/// <param name="Identity">mean cosine of face-api.js descriptors, output vs the real face; <paramref name="SamePerson"/> the share under distance 0.6.</param>
/// <param name="FirstFrameMs">mean time to the method's first face; <paramref name="MillisecondsPerFace"/> to its last.</param>
public sealed record SketchToFaceRow(string Method, int Faces, double Lines, double Identity, double SamePerson, double Found, double FirstFrameMs, double MillisecondsPerFace);

/// <param name="Steps">refinement steps for "encoder + refine" and the seed-face method.</param>
/// <param name="Captions">One caption per face for the refinement's fine rows (TediGAN's sketch + text); null: the sketch alone.</param>
/// <param name="SeedMethod">also the method before the encoder (refinement from a seed's face); false halves a captioned run's cost.</param>
public sealed record SketchCheckOptions(int Steps = 100, double Truncation = 0.7, int GridFaces = 8, IReadOnlyList<string>? Captions = null, bool SeedMethod = true);

public static class SketchToFaceCheck
{
    /// <summary>Runs every method on the sketches of <paramref name="reals"/> [N,3,S,S] (in the pack's framing), then the
    /// references: the real faces themselves and the pack's random samples at ψ <see cref="SketchCheckOptions.Truncation"/>
    /// (found rate only). The grid: per face, the real face, its sketch, each method's output. <paramref name="tick"/>
    /// after every face of every method.</summary>
    public static (List<SketchToFaceRow> Rows, Tensor Grid) Run(PackEditor editor, Tensor reals, FaceApiIdentity identity, IFaceFound judge,
        SketchCheckOptions o, Action? tick = null, CancellationToken ct = default)
    {
        long n = reals.shape[0];
        if (o.Captions is { } given && given.Count != n) throw new ArgumentException($"{given.Count} captions for {n} faces");
        string withText = o.Captions is null ? "" : " + caption";
        var methods = new List<(string Name, bool Encoder, int Steps)>();
        if (editor.SketchEncoder is not null)
        {
            methods.Add(("sketch encoder, one pass", true, 0));
            methods.Add(($"sketch encoder + {o.Steps} steps{withText}", true, o.Steps));
        }
        if (o.SeedMethod || editor.SketchEncoder is null)
            methods.Add(($"seed's face + {o.Steps} steps{withText} (before the encoder)", false, o.Steps));
        var rows = new List<SketchToFaceRow>();
        var shown = Enumerable.Range(0, (int)Math.Min(n, o.GridFaces)).Select(_ => new List<Tensor>()).ToList();
        using var sketches = FaceSketch.Render(reals);
        for (int i = 0; i < shown.Count; i++) { shown[i].Add(reals[i..(i + 1)].clamp(-1, 1)); shown[i].Add(sketches[i..(i + 1)].expand(-1, 3, -1, -1) * 2 - 1); }
        foreach (var (name, encoder, steps) in methods)
        {
            double lines = 0, cos = 0, first = 0, total = 0;
            int same = 0, found = 0;
            for (int i = 0; i < n; i++)
            {
                ct.ThrowIfCancellationRequested();
                using var sketch = sketches[i..(i + 1)].clone();
                var sw = Stopwatch.StartNew();
                EditResult? last = null;
                double firstMs = double.NaN;
                foreach (var f in editor.SketchToFace(sketch, steps > 0 ? o.Captions?[i] : null, encoder ? null : i, steps, o.Truncation, frames: 1, encoder, ct))
                {
                    if (f is null) continue;
                    if (double.IsNaN(firstMs)) firstMs = sw.Elapsed.TotalMilliseconds;
                    last?.Dispose();
                    last = f;
                }
                (first, total) = (first + firstMs, total + sw.Elapsed.TotalMilliseconds);
                using var result = last!;
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                lines += FaceSketch.Follows(sketch, result.Image);
                var (a, b) = (identity.DescriptorOfGenerated(result.Image), identity.DescriptorOfGenerated(reals[i..(i + 1)]));
                cos += nn.functional.cosine_similarity(a, b, 1).item<float>();
                same += (a - b).norm().item<float>() < FaceApiIdentity.SamePersonDistance ? 1 : 0;
                found += judge.Found(result.Image, 0) ? 1 : 0;
                if (i < shown.Count) shown[i].Add(result.Image.clamp(-1, 1).MoveToOuterDisposeScope());
                tick?.Invoke();
            }
            rows.Add(new SketchToFaceRow(name, (int)n, lines / n, cos / n, (double)same / n, (double)found / n, first / n, total / n));
        }
        int realFound = judge.Found(reals).Count(f => f);
        rows.Add(new SketchToFaceRow("real faces (reference)", (int)n, double.NaN, double.NaN, double.NaN, (double)realFound / n, double.NaN, double.NaN));
        int sampleFound = 0;
        for (int i = 0; i < n; i++)
        {
            using var start = editor.SeedStart(1000 + i, o.Truncation);
            using var sample = editor.Render(start);
            sampleFound += judge.Found(sample.Image, 0) ? 1 : 0;
        }
        rows.Add(new SketchToFaceRow($"random samples at ψ {o.Truncation:0.0#} (reference)", (int)n, double.NaN, double.NaN, double.NaN, (double)sampleFound / n, double.NaN, double.NaN));
        var grid = cat(shown.SelectMany(r => r).ToArray(), 0);
        foreach (var t in shown.SelectMany(r => r)) t.Dispose();
        return (rows, grid);
    }
}
