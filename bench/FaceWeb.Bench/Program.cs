using System.Diagnostics;
using BenchmarkDotNet.Running;
using FaceWeb.Bench;
using FaceWeb.Engine.Generators.StyleGan2;
using static TorchSharp.torch;

// `dotnet run -c Release --project bench/FaceWeb.Bench -- quick [config...]` times a few forwards directly (fast);
// anything else goes to BenchmarkDotNet (e.g. `-- --filter '*'`).
if (args.Length > 0 && args[0] == "quick")
{
    var names = args.Length > 1 ? args[1..] : GeneratorBenchmarks.Configs.Keys.ToArray();
    Console.WriteLine($"torch threads: {get_num_threads()}");
    double peak = GeneratorBenchmarks.MeasuredPeak();
    Console.WriteLine($"measured peak: {peak:F1} GFLOP/s (one large 3×3 convolution, 512 → 512 channels at 64 px, oneDNN)");
    Console.WriteLine("config          batch  ms/image   GFLOP/s  of peak   (fastest of 5 forwards; 20 below 256 px)");
    foreach (var name in names)
    {
        var config = GeneratorBenchmarks.Configs[name];
        using var g = new StyleGan2Generator(config);
        foreach (int batch in new[] { 1, 8 })
        {
            using var _ = no_grad();
            var z = randn([batch, config.StyleDim], generator: new Generator(1));
            // The fastest of several forwards: on a shared 2-core VM the mean swings ±10 % from run to run, the minimum far less.
            int reps = config.Size >= 1024 ? 5 : config.Size >= 256 ? 5 : 20;
            using (var s = NewDisposeScope()) g.Synthesize(g.Broadcast(g.Map(z)));    // warm-up
            double best = double.MaxValue;
            for (int i = 0; i < reps; i++)
            {
                var sw = Stopwatch.StartNew();
                using (var s = NewDisposeScope()) g.Synthesize(g.Broadcast(g.Map(z)));
                best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
            }
            double msPerImage = best / batch;
            double gflops = GeneratorBenchmarks.Flops(config) / (msPerImage / 1000) / 1e9;
            Console.WriteLine($"{name,-15} {batch,5} {msPerImage,9:F1} {gflops,9:F1} {gflops / peak,8:P0}");
        }
    }
    return;
}
if (args.Length > 0 && args[0] == "quick-profile")
{
    ProfileQuick.Run(args.Length > 1 ? int.Parse(args[1]) : 1024);
    return;
}
if (args.Length > 0 && args[0] == "quick-preview")
{
    PreviewQuick.Run(args.Length > 1 ? int.Parse(args[1]) : 1024);
    return;
}
if (args.Length > 2 && args[0] == "quick-faceapi")
{
    FaceApiQuick.Run(args[1], args[2]);
    return;
}
if (args.Length > 1 && args[0] == "quick-optimise")
{
    FaceWeb.Bench.OptimiseQuick.Run(args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 30);
    return;
}
if (args.Length > 1 && args[0] == "quick-sketch")
{
    FaceWeb.Bench.SketchQuick.Run(args[1]);
    return;
}
if (args.Length > 1 && args[0] == "quick-fs3")
{
    Fs3Quick.Run(args[1], args.Length > 2 ? int.Parse(args[2]) : 100);
    return;
}
if (args.Length > 1 && args[0] == "quick-create")
{
    CreateQuick.Run(args[1]);
    return;
}
if (args.Length > 1 && args[0] == "quick-sliders")
{
    SliderQuick.Run(args[1]);
    return;
}
if (args.Length > 2 && args[0] == "quick-memory")
{
    MemoryQuick.Run(args[1], args[2], args.Length > 3 ? int.Parse(args[3]) : 200, args.Length > 4 ? int.Parse(args[4]) : 2000);
    return;
}
if (args.Length > 1 && args[0] == "quick-live")
{
    // quick-live PACK [sessions] [seconds] [batch] [min-max ms between inputs] [seeds|sliders] [optimise]
    LiveQuick.Run(args[1], args.Length > 2 ? int.Parse(args[2]) : 8, args.Length > 3 ? int.Parse(args[3]) : 60, batch: args.Length > 4 ? int.Parse(args[4]) : 8,
        interval: args.Length > 5 ? (int.Parse(args[5].Split('-')[0]), int.Parse(args[5].Split('-')[1])) : null, sliders: args.Length > 6 && args[6] == "sliders",
        optimising: args.Length > 7 && args[7] == "optimise");
    return;
}
if (args.Length > 0 && args[0] == "quick-cluster")
{
    // quick-cluster [sessions] [seconds]: in-process vs one and two engine silos, and a room event across front-ends
    await ClusterQuick.Run(args.Length > 1 ? int.Parse(args[1]) : 8, args.Length > 2 ? int.Parse(args[2]) : 30);
    return;
}
if (args.Length > 1 && args[0] == "quick-live-rooms")
{
    RoomsQuick.PostingAlongsideLive(args[1], args.Length > 2 ? int.Parse(args[2]) : 8, args.Length > 3 ? int.Parse(args[3]) : 30,
        args.Length > 4 ? double.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 2, args.Length > 5 ? int.Parse(args[5]) : 20);
    return;
}
if (args.Length > 0 && args[0] == "quick-rooms")
{
    RoomsQuick.Run(args.Length > 1 ? int.Parse(args[1]) : 1000, args.Length > 2 ? int.Parse(args[2]) : 5000, args.Length > 3 ? int.Parse(args[3]) : 20);
    return;
}
if (args.Length > 1 && args[0] == "quick-edit")
{
    EditQuick.Run(args[1]);
    return;
}
if (args.Length > 0 && args[0] == "quick-text")
{
    Console.WriteLine("what                     batch  ms/batch  ms/item");
    foreach (int batch in new[] { 1, 16 })
    {
        var b = new TextImageBenchmarks { Batch = batch };
        b.Setup();
        foreach (var (name, run) in new (string, Func<long>)[] { ("clip-b32 encode_image", b.EncodeImage), ("clip-b32 encode_text", b.EncodeText), ("minilm", () => b.MiniLm()) })
        {
            run(); run();   // warm-up
            int reps = 5;
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < reps; i++) run();
            double ms = sw.Elapsed.TotalMilliseconds / reps;
            Console.WriteLine($"{name,-24} {batch,5} {ms,9:F1} {ms / batch,8:F1}");
        }
        b.Cleanup();
    }
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(GeneratorBenchmarks).Assembly).Run(args);
