using System.Diagnostics;
using FaceWeb.Engine.Generators.StyleGan2;
using static TorchSharp.torch;

namespace FaceWeb.Bench;

/// <summary>`quick-preview [size]`: a progressive preview's cost against the full frame, on FFHQ config-f shapes at
/// <c>size</c> px (random weights; 1024 by default): one image, the median of a few runs each, and how far each preview
/// is from the full frame (mean absolute difference in 8-bit levels).</summary>
public static class PreviewQuick
{
    public static void Run(int size)
    {
        using var g = new StyleGan2Generator(StyleGan2Config.FfhqShapes(size), seed: 0);
        using var _ = no_grad();
        using var w = g.Broadcast(g.Map(randn([1, g.Config.StyleDim], generator: new Generator(1))));
        int reps = size >= 1024 ? 3 : 5;
        double Time(Func<Tensor> render)
        {
            using (var warm = NewDisposeScope()) render();
            var times = new List<double>();
            for (int i = 0; i < reps; i++)
            {
                using var scope = NewDisposeScope();
                var sw = Stopwatch.StartNew();
                render();
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
            return times.Order().ElementAt(times.Count / 2);
        }
        Console.WriteLine($"FFHQ shapes at {size} px, torch threads {get_num_threads()}");
        double full = Time(() => g.Synthesize(w));
        Console.WriteLine($"full frame {full,8:F0} ms");
        using var fullImage = g.Synthesize(w).clamp(-1, 1);
        for (int r = 16; r < size; r *= 2)
        {
            double ms = Time(() => g.Preview(w, r));
            using var scope = NewDisposeScope();
            double levels = (g.Preview(w, r).clamp(-1, 1) - fullImage).abs().mean().item<float>() * 127.5;
            Console.WriteLine($"preview at {r,4} px {ms,8:F0} ms  {ms / full,6:P0} of the full frame, {levels,5:F1} levels from it");
        }
    }
}
