using BenchmarkDotNet.Attributes;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Bench;

/// <summary>CLIP ViT-B/32 (random weights) encode_image / encode_text, and MiniLM per sentence.</summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class TextImageBenchmarks
{
    [Params(1, 16)] public int Batch { get; set; }

    Clip clip = null!;
    Tensor images = null!, tokens = null!;
    MiniLmTextEncoder miniLm = null!;
    string[] sentences = [];

    [GlobalSetup]
    public void Setup()
    {
        clip = new Clip(ClipConfig.VitB32);
        foreach (var p in clip.parameters()) { using var _ = no_grad(); p.normal_(0, 0.02); }
        images = randn(Batch, 3, 224, 224);
        var row = Enumerable.Range(0, 77).Select(i => i == 0 ? 49406L : i < 12 ? 320L + i : i == 12 ? 49407L : 0L).ToArray();
        tokens = tensor(Enumerable.Repeat(row, Batch).SelectMany(r => r).ToArray(), [Batch, 77]);
        miniLm = new MiniLmTextEncoder();
        sentences = Enumerable.Range(0, Batch).Select(i => $"a smiling woman number {i} with wavy blond hair and earrings").ToArray();
    }

    [Benchmark] public long EncodeImage() { using var _ = no_grad(); using var s = NewDisposeScope(); return clip.EncodeImage(images).shape[0]; }
    [Benchmark] public long EncodeText() { using var _ = no_grad(); using var s = NewDisposeScope(); return clip.EncodeText(tokens).shape[0]; }
    [Benchmark] public int MiniLm() => miniLm.Encode(sentences).Length;

    [GlobalCleanup] public void Cleanup() { clip.Dispose(); images.Dispose(); tokens.Dispose(); miniLm.Dispose(); }
}
