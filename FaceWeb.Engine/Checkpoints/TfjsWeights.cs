// TensorFlow.js weight manifests (`*-weights_manifest.json` + `.bin` shards), the format face-api.js ships its
// networks in: groups of shard paths and weight specs; the shards of a group are one byte stream, weights follow
// each other in spec order. Quantised weights are uint8/uint16 (value = min + scale·q) or float16.
using System.Text.Json;
using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Checkpoints;

public static class TfjsWeights
{
    sealed record Group([property: JsonPropertyName("paths")] string[] Paths, [property: JsonPropertyName("weights")] Spec[] Weights);

    sealed record Spec([property: JsonPropertyName("name")] string Name, [property: JsonPropertyName("shape")] long[] Shape,
        [property: JsonPropertyName("dtype")] string DType, [property: JsonPropertyName("quantization")] Quantization? Quantization);

    sealed record Quantization([property: JsonPropertyName("dtype")] string DType, [property: JsonPropertyName("scale")] double? Scale,
        [property: JsonPropertyName("min")] double? Min);

    /// <summary>Every weight of the manifest as a float32 tensor in its tfjs shape (conv kernels stay [kh,kw,in,out]);
    /// a graph model's int32 constants (shapes, axes) come as float32 too.</summary>
    public static StateDict Load(string manifestPath)
    {
        Group[] groups;
        try { groups = JsonSerializer.Deserialize<Group[]>(File.ReadAllText(manifestPath)) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new CheckpointException($"{manifestPath}: not a TensorFlow.js weights manifest ({e.Message}).", e); }
        string dir = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var g in groups)
            {
                var bytes = g.Paths.SelectMany(p =>
                {
                    string full = Path.GetFullPath(Path.Combine(dir, p));
                    if (!full.StartsWith(dir, StringComparison.Ordinal)) throw new CheckpointException($"{manifestPath}: shard '{p}' leaves the folder.");
                    return File.Exists(full) ? File.ReadAllBytes(full) : throw new CheckpointException($"{manifestPath}: shard '{p}' is missing.");
                }).ToArray();
                int offset = 0;
                foreach (var w in g.Weights)
                {
                    long count = w.Shape.Aggregate(1L, (a, b) => a * b);
                    string kind = w.Quantization?.DType ?? w.DType;
                    int width = kind switch { "float32" or "int32" => 4, "uint16" or "float16" => 2, "uint8" => 1,
                        _ => throw new CheckpointException($"{manifestPath}: weight '{w.Name}' has unsupported dtype '{kind}'.") };
                    if (w.DType is not ("float32" or "int32")) throw new CheckpointException($"{manifestPath}: weight '{w.Name}' is {w.DType}, expected float32 or int32.");
                    if (offset + count * width > bytes.Length) throw new CheckpointException($"{manifestPath}: shards end inside weight '{w.Name}'.");
                    var values = new float[count];
                    var span = bytes.AsSpan(offset, (int)(count * width));
                    for (int i = 0; i < count; i++)
                        values[i] = kind switch
                        {
                            "float32" => BitConverter.ToSingle(span.Slice(i * 4, 4)),
                            "float16" => (float)BitConverter.ToHalf(span.Slice(i * 2, 2)),
                            "uint16" => (float)(w.Quantization!.Min!.Value + w.Quantization.Scale!.Value * BitConverter.ToUInt16(span.Slice(i * 2, 2))),
                            "uint8" => (float)(w.Quantization!.Min!.Value + w.Quantization.Scale!.Value * span[i]),
                            _ => BitConverter.ToInt32(span.Slice(i * 4, 4)),
                        };
                    offset += (int)(count * width);
                    if (!tensors.TryAdd(w.Name, tensor(values, w.Shape))) throw new CheckpointException($"{manifestPath}: weight '{w.Name}' appears twice.");
                }
                if (offset != bytes.Length) throw new CheckpointException($"{manifestPath}: {bytes.Length - offset} bytes left over after the last weight of a group.");
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return new StateDict(tensors, manifestPath);
    }
}
