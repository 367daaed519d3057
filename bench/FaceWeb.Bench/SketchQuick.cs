using System.Diagnostics;
using FaceWeb.Engine;
using FaceWeb.Engine.Editing;
using static TorchSharp.torch;

namespace FaceWeb.Bench;

/// <summary>`-- quick-sketch PACK`: sketch → face on a pack with a sketch encoder, as Create runs it: the time to the first
/// face (a 256 px drawing in, the encoder's face and its line distance out) and to each refinement step. The drawing is
/// seed 7's sketch at the canvas's display size.</summary>
public static class SketchQuick
{
    public static void Run(string pack)
    {
        using var engine = FaceEngine.FromPack(pack);
        using var editor = PackEditor.Open(engine, pack);
        if (editor.SketchEncoder is null) throw new ArgumentException($"{pack} has no sketch encoder");
        Tensor drawing;
        using (no_grad())
        using (var face = engine.Generator.Synthesize(engine.SeedWPlus(7, 0.7)))
        using (var sketch = FaceSketch.Render(face))
            drawing = nn.functional.interpolate(sketch, [256, 256], mode: InterpolationMode.Nearest);
        var first = new List<double>();
        for (int i = 0; i < 11; i++)
        {
            var sw = Stopwatch.StartNew();
            using (var f = editor.SketchToFace(drawing, null, null, 0).First()!) first.Add(sw.Elapsed.TotalMilliseconds);
        }
        first.RemoveAt(0);                                                                     // the first call loads lazily
        var steps = new Stopwatch();
        int n = 0;
        foreach (var f in editor.SketchToFace(drawing, null, null, 40, frames: 40))
        {
            if (f is null) continue;
            if (f.Progress > 0) { n++; if (n == 1) steps.Start(); }
            f.Dispose();
        }
        steps.Stop();
        Console.WriteLine($"sketch → face, {pack}: first face (encoder, one pass, incl. the line distance) median {first.Order().ElementAt(first.Count / 2):F1} ms, " +
                          $"fastest {first.Min():F1} ms, slowest {first.Max():F1} ms (10 runs); a refinement step with a frame {steps.Elapsed.TotalMilliseconds / Math.Max(1, n - 1):F1} ms");
    }
}
