// The safetensors format (huggingface/safetensors): u64 little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets:[begin,end]}, "__metadata__": {str: str}}, then the raw little-endian bytes.
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Checkpoints;

public static class SafeTensors
{
    const long MaxHeaderBytes = 100L << 20;

    /// <summary>Reads every tensor of a .safetensors file onto the CPU (float16/bfloat16 kept as stored).</summary>
    public static Dictionary<string, Tensor> Load(string path) => Load(path, out _);

    public static Dictionary<string, Tensor> Load(string path, out Dictionary<string, string> metadata)
    {
        using var stream = OpenRead(path);
        return Load(stream, path, out metadata);
    }

    public static Dictionary<string, Tensor> Load(Stream stream, string name, out Dictionary<string, string> metadata)
    {
        long length = stream.Length;
        var lenBytes = new byte[8];
        if (length < 8 || stream.Read(lenBytes, 0, 8) != 8)
            throw new CheckpointException($"{name}: not a safetensors file (shorter than its 8-byte header length).");
        long headerLen = BitConverter.ToInt64(lenBytes, 0);
        if (headerLen <= 1 || headerLen > MaxHeaderBytes || 8 + headerLen > length)
            throw new CheckpointException($"{name}: not a safetensors file or truncated (header length {headerLen}, file {length} bytes).");
        var headerBytes = new byte[headerLen];
        stream.ReadExactly(headerBytes);
        JsonObject header;
        try { header = JsonNode.Parse(headerBytes)?.AsObject() ?? throw new JsonException("empty header"); }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        { throw new CheckpointException($"{name}: the safetensors header is not valid JSON ({e.Message}).", e); }

        long dataStart = 8 + headerLen, dataLen = length - dataStart;
        metadata = new();
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (key, node) in header)
            {
                if (key == "__metadata__")
                {
                    foreach (var (mk, mv) in node!.AsObject()) metadata[mk] = mv?.ToString() ?? "";
                    continue;
                }
                var entry = node?.AsObject() ?? throw new CheckpointException($"{name}: tensor '{key}' has no header entry.");
                string dtype = entry["dtype"]?.GetValue<string>() ?? throw new CheckpointException($"{name}: tensor '{key}' has no dtype.");
                long[] shape = entry["shape"]!.AsArray().Select(n => n!.GetValue<long>()).ToArray();
                var offsets = entry["data_offsets"]!.AsArray().Select(n => n!.GetValue<long>()).ToArray();
                var (type, size) = ParseDType(dtype, name, key);
                long count = shape.Aggregate(1L, (a, b) => a * b);
                if (shape.Any(d => d < 0) || offsets.Length != 2 || offsets[0] < 0 || offsets[1] > dataLen ||
                    offsets[1] - offsets[0] != count * size)
                    throw new CheckpointException($"{name}: tensor '{key}' is truncated or its offsets do not match its shape [{string.Join(",", shape)}].");
                var bytes = new byte[offsets[1] - offsets[0]];
                stream.Position = dataStart + offsets[0];
                stream.ReadExactly(bytes);
                var t = torch.empty(shape, type);
                if (bytes.Length > 0) t.bytes = bytes;
                result[key] = t;
            }
        }
        catch (Exception e) when (e is not CheckpointException)
        {
            foreach (var t in result.Values) t.Dispose();
            throw new CheckpointException($"{name}: malformed safetensors header ({e.Message}).", e);
        }
        return result;
    }

    /// <summary>Writes tensors (moved to CPU, made contiguous) as a .safetensors file.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
            header["__metadata__"] = new JsonObject(metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (key, tensor) in tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            using var cpu = tensor.detach().cpu().contiguous();
            var bytes = cpu.numel() == 0 ? [] : cpu.bytes.ToArray();
            header[key] = new JsonObject
            {
                ["dtype"] = DTypeName(cpu.dtype),
                ["shape"] = new JsonArray(cpu.shape.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.Length),
            };
            offset += bytes.Length;
            blobs.Add(bytes);
        }
        var headerBytes = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        int padding = (8 - headerBytes.Length % 8) % 8;  // keep the data 8-byte aligned, as the reference writer does
        var padded = headerBytes.Concat(Enumerable.Repeat((byte)' ', padding)).ToArray();
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        string tmp = path + ".tmp";
        using (var fs = File.Create(tmp))
        {
            fs.Write(BitConverter.GetBytes((long)padded.Length));
            fs.Write(padded);
            foreach (var b in blobs) fs.Write(b);
        }
        File.Move(tmp, path, overwrite: true);
    }

    static FileStream OpenRead(string path)
    {
        try { return File.OpenRead(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new CheckpointException($"{path}: cannot be opened ({e.Message}).", e); }
    }

    static (ScalarType, int) ParseDType(string dtype, string name, string key) => dtype switch
    {
        "F32" => (ScalarType.Float32, 4),
        "F16" => (ScalarType.Float16, 2),
        "BF16" => (ScalarType.BFloat16, 2),
        "F64" => (ScalarType.Float64, 8),
        "I64" => (ScalarType.Int64, 8),
        "I32" => (ScalarType.Int32, 4),
        "I16" => (ScalarType.Int16, 2),
        "I8" => (ScalarType.Int8, 1),
        "U8" => (ScalarType.Byte, 1),
        "BOOL" => (ScalarType.Bool, 1),
        _ => throw new CheckpointException($"{name}: tensor '{key}' has unsupported dtype '{dtype}'."),
    };

    static string DTypeName(ScalarType t) => t switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Float64 => "F64",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new CheckpointException($"cannot write dtype {t} to safetensors."),
    };
}
