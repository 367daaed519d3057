using System.Diagnostics;
using static TorchSharp.torch;

namespace FaceWeb.Bench;

/// <summary>The quick timers' one measurement: a warm-up call, then the mean of <paramref name="reps"/> calls, each in its
/// own dispose scope so tensors made by the call do not pile up across repetitions.</summary>
public static class Timing
{
    public static double Ms(Action a, int reps)
    {
        using (NewDisposeScope()) a();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) { using var s = NewDisposeScope(); a(); }
        return sw.Elapsed.TotalMilliseconds / reps;
    }
}
