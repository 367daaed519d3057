// `faceweb eval sweep`: how far the attribute targets of text → face by attributes (CaptionAttributes) move what
// face-api.js sees. Faces of fixed seeds have one slider's projection set to μ + t·σ (optionally with other sliders held
// at their own targets, as a caption naming several attributes does), for each t; each row reports face-api.js's mean
// age, age buckets, P(male) > ½, P(happy) > ½ and the found-as-a-face rate. ADR 0014's targets come from it.
using FaceWeb.Engine.Editing;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Evaluation;

public sealed record SliderSweepRow(string Slider, double Target, string Also, int Faces, double MeanAge, string AgeBuckets, double Male, double Happy, double Found);

public static class SliderSweep
{
    /// <param name="also">other sliders set at the same time (name, target σ).</param>
    public static List<SliderSweepRow> Run(PackEditor editor, string slider, IReadOnlyList<double> targets, IReadOnlyList<(string Slider, double Target)> also,
        EditJudges judges, IFaceFound found, int faces, double truncation, long firstSeed = 3000, Action? tick = null)
    {
        using var _ = no_grad();
        using var outer = NewDisposeScope();
        var starts = cat(Enumerable.Range(0, faces).Select(i => editor.SeedStart(firstSeed + i, truncation)).ToList(), 0);   // [N,L,D]
        var rows = new List<SliderSweepRow>();
        string alsoText = string.Join(", ", also.Select(a => $"{a.Slider} {a.Target:+0.#;-0.#}σ"));
        foreach (double t in targets)
        {
            using var scope = NewDisposeScope();
            var images = editor.Generator.Synthesize(editor.SetAttributes(starts, [(slider, t), .. also], truncation));
            var (age, male, happy, _, descriptors) = judges.Judge(images);
            descriptors.Dispose();
            string buckets = string.Join(" / ", age.GroupBy(TextToFaceCheck.AgeBucket).OrderBy(g => Array.IndexOf(["child", "young", "middle", "old"], g.Key)).Select(g => $"{g.Key} {g.Count()}"));
            rows.Add(new SliderSweepRow(slider, t, alsoText, faces, age.Average(), buckets, male.Count(m => m > 0.5) / (double)faces,
                happy.Count(h => h > 0.5) / (double)faces, found.Found(images).Count(f => f) / (double)faces));
            tick?.Invoke();
        }
        return rows;
    }
}
