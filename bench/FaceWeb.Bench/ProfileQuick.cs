using System.Diagnostics;
using FaceWeb.Engine.Generators.StyleGan2;
using static TorchSharp.torch;

namespace FaceWeb.Bench;

/// <summary>`quick-profile [size]`: where a frame's time goes at FFHQ shapes, per block (batch 1, random weights): the
/// up-sampling conv (transposed conv + FIR blur), the 3×3 conv, noise + bias + activation, and ToRGB with the skip's
/// FIR up-sampling, each timed alone on that block's shapes (median of 3 after a warm-up).</summary>
public static class ProfileQuick
{
    public static void Run(int size)
    {
        var c = StyleGan2Config.FfhqShapes(size);
        using var _ = no_grad();
        Console.WriteLine("block  cin cout  upconv ms (convT + blur)  conv3x3 ms  noise+act ms  torgb+skip ms   (noise+act: the whole StyledConv less its conv; noisy at small sizes)");
        double total = 0;
        for (int r = 8; r <= size; r *= 2)
        {
            int cin = c.Channels[r / 2], cout = c.Channels[r];
            using var up = new StyledConv(cin, cout, 3, c.StyleDim, upsample: true);
            using var conv = new StyledConv(cout, cout, 3, c.StyleDim);
            using var rgb = new ToRgb(cout, c.StyleDim);
            up.eval(); conv.eval(); rgb.eval();
            using var x = randn(1, cin, r / 2, r / 2);
            using var y = randn(1, cout, r, r);
            using var s1 = randn(1, cin);
            using var s2 = randn(1, cout);
            using var noise = randn(1, 1, r, r);
            using var skip = randn(1, 3, r / 2, r / 2);
            var mod = (ModulatedConv2d)up.Conv;
            double Ms(Action a)
            {
                using (var w = NewDisposeScope()) a();
                var t = new List<double>();
                for (int i = 0; i < 3; i++) { var sw = Stopwatch.StartNew(); using (var s = NewDisposeScope()) a(); t.Add(sw.Elapsed.TotalMilliseconds); }
                return t.Order().ElementAt(1);
            }
            double upMs = Ms(() => up.Conv.Forward(x, s1, Math.Sqrt(2)));
            using var wT = randn(cin, cout, 3, 3);
            double convTMs = Ms(() => nn.functional.conv_transpose2d(x, wT, strides: [2, 2]));
            using var yT = randn(1, cout, r + 1, r + 1);
            using var k = Upfirdn2d.MakeKernel().mul_(4);
            double blurMs = Ms(() => Upfirdn2d.Apply(yT, k, pad0: 1, pad1: 1));

            double convMs = Ms(() => conv.Conv.Forward(y, s2, Math.Sqrt(2)));
            double wholeUp = Ms(() => up.Forward(x, s1, noise));
            double wholeConv = Ms(() => conv.Forward(y, s2, noise));
            double act = (wholeUp - upMs + wholeConv - convMs) / 2;
            double rgbMs = Ms(() => rgb.Forward(y, s2, skip));
            total += wholeUp + wholeConv + rgbMs;
            Console.WriteLine($"{r,5} {cin,4} {cout,4} {upMs,10:F1} {$"({convTMs:F1} + {blurMs:F1})",-14} {convMs,10:F1} {act,13:F1} {rgbMs,14:F1}");
        }
        Console.WriteLine($"sum of blocks: {total:F0} ms");
    }
}
