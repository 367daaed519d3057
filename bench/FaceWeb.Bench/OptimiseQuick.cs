using System.Diagnostics;
using FaceWeb.Engine;
using FaceWeb.Engine.Editing;

namespace FaceWeb.Bench;

/// <summary>`-- quick-optimise PACK [steps]`: what a step of the Edit page's latent optimisation costs on a pack
/// (<see cref="PackEditor.EditOptimisation"/>, "a smiling face" from seed 3, one frame at the end): the paper's recipe
/// (λ_domain 0, every W+ row) against the pack's in-domain guidance (ADR 0017), three runs of each, alternating.</summary>
public static class OptimiseQuick
{
    public static void Run(string pack, int steps = 30)
    {
        using var engine = FaceEngine.FromPack(pack);
        using var editor = PackEditor.Open(engine, pack);
        using var start = editor.SeedStart(3, 0.7);
        var plain = new List<double>();
        var guided = new List<double>();
        double Step(OptimiseEdit request)
        {
            var sw = Stopwatch.StartNew();
            EditResult.Last(editor.Optimise(start, request)).Dispose();
            return sw.Elapsed.TotalMilliseconds / steps;
        }
        Step(editor.EditOptimisation("a smiling face", 2, frames: 1, domain: 0));                  // loads lazily
        for (int i = 0; i < 3; i++)
        {
            plain.Add(Step(editor.EditOptimisation("a smiling face", steps, frames: 1, domain: 0)));
            if (editor.Encoder is not null) guided.Add(Step(editor.EditOptimisation("a smiling face", steps, frames: 1)));
        }
        Console.WriteLine($"optimisation step, {pack}, {steps} steps: the paper's recipe {plain.Min():F1}–{plain.Max():F1} ms"
            + (guided.Count > 0 ? $"; with the pack's in-domain guidance (ADR 0017) {guided.Min():F1}–{guided.Max():F1} ms" : "; the pack has no encoder"));
    }
}
