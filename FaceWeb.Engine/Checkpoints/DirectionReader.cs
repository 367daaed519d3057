// Latent directions people already have: InterFaceGAN boundaries (.npy, float64/float32 [1,D]) and e4e / HyperStyle
// directions (torch.save of a bare tensor, [1,D] or [1,L,D], sometimes saved from CUDA).
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Checkpoints;

public static partial class DirectionReader
{
    /// <summary>Reads a direction as float32 on the CPU: .npy, a .pt holding a tensor (or a dict with one), or safetensors with one tensor.</summary>
    public static Tensor Load(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException($"{path}: file not found.");
        var head = new byte[6];
        using (var f = File.OpenRead(path)) { _ = f.Read(head, 0, 6); }
        if (head[0] == 0x93 && Encoding.ASCII.GetString(head, 1, 5) == "NUMPY") return LoadNpy(path);
        if (head[0] == (byte)'P' && head[1] == (byte)'K') return LoadTorch(path);
        using var sd = CheckpointReader.Load(path);
        if (sd.Tensors.Count != 1) throw new CheckpointException($"{path}: expected one tensor, found {sd.Tensors.Count}.");
        return sd.Tensors.Values.First().to(float32).clone();
    }

    [GeneratedRegex(@"'descr':\s*'([<>|=]?)([fi])(\d)'.*'fortran_order':\s*(True|False).*'shape':\s*\(([\d,\s]*)\)", RegexOptions.Singleline)]
    private static partial Regex NpyHeader();

    static Tensor LoadNpy(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10) throw new CheckpointException($"{path}: truncated .npy file.");
        int major = bytes[6];
        int headerLen = major == 1 ? BitConverter.ToUInt16(bytes, 8) : BitConverter.ToInt32(bytes, 8);
        int start = major == 1 ? 10 : 12;
        if (headerLen < 0 || start + headerLen > bytes.Length) throw new CheckpointException($"{path}: truncated .npy header.");
        var m = NpyHeader().Match(Encoding.Latin1.GetString(bytes, start, headerLen));
        if (!m.Success) throw new CheckpointException($"{path}: unsupported .npy header (need a little-endian float array).");
        if (m.Groups[1].Value == ">") throw new CheckpointException($"{path}: big-endian .npy is not supported.");
        if (m.Groups[4].Value == "True") throw new CheckpointException($"{path}: Fortran-ordered .npy is not supported.");
        var shape = m.Groups[5].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        var (type, size) = (m.Groups[2].Value, m.Groups[3].Value) switch
        {
            ("f", "8") => (ScalarType.Float64, 8),
            ("f", "4") => (ScalarType.Float32, 4),
            _ => throw new CheckpointException($"{path}: .npy dtype {m.Groups[2].Value}{m.Groups[3].Value} is not supported (float32 or float64)."),
        };
        long count = shape.Aggregate(1L, (a, b) => a * b);
        int data = start + headerLen;
        if (data + count * size != bytes.Length) throw new CheckpointException($"{path}: .npy data does not match its shape [{string.Join(",", shape)}].");
        var t = empty(shape, type);
        t.bytes = bytes.AsSpan(data).ToArray();
        return t.to(float32);
    }

    /// <summary>TorchSharp.PyBridge reads only dict roots, so a bare-tensor pickle is re-wrapped as {"tensor": T}:
    /// the pickle's opcodes are kept and placed between EMPTY_DICT + key and SETITEM.</summary>
    static Tensor LoadTorch(string path)
    {
        try
        {
            using var src = ZipFile.OpenRead(path);
            using var wrapped = new MemoryStream();
            using (var dst = new ZipArchive(wrapped, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var entry in src.Entries)
                {
                    using var input = entry.Open();
                    using var buffer = new MemoryStream();
                    input.CopyTo(buffer);
                    var bytes = buffer.ToArray();
                    if (entry.FullName.EndsWith("data.pkl", StringComparison.Ordinal)) bytes = WrapInDict(bytes, path);
                    using var output = dst.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                    output.Write(bytes);
                }
            }
            wrapped.Position = 0;
            var table = PyTorchUnpickler.UnpickleStateDict(wrapped);
            return table["tensor"] switch
            {
                Tensor t => t.to(float32).clone(),
                System.Collections.IDictionary d when d.Values.OfType<Tensor>().Count() == 1 => d.Values.OfType<Tensor>().First().to(float32).clone(),
                _ => throw new CheckpointException($"{path}: holds no single tensor."),
            };
        }
        catch (Exception e) when (e is InvalidDataException or InvalidCastException or NotImplementedException or IOException or InvalidOperationException)
        {
            throw new CheckpointException($"{path}: not a readable PyTorch tensor file ({e.Message}).", e);
        }
    }

    static byte[] WrapInDict(byte[] pickle, string path)
    {
        if (pickle.Length < 3 || pickle[0] != 0x80 || pickle[^1] != (byte)'.')
            throw new CheckpointException($"{path}: unexpected pickle layout.");
        if (pickle[2] == (byte)'}') return pickle;   // already a dict: leave it
        var key = Encoding.UTF8.GetBytes("tensor");
        using var ms = new MemoryStream();
        ms.Write(pickle, 0, 2);                      // PROTO n
        ms.WriteByte((byte)'}');                     // EMPTY_DICT
        ms.WriteByte((byte)'X');                     // BINUNICODE "tensor"
        ms.Write(BitConverter.GetBytes(key.Length));
        ms.Write(key);
        ms.Write(pickle, 2, pickle.Length - 3);      // the original value
        ms.WriteByte((byte)'s');                     // SETITEM
        ms.WriteByte((byte)'.');                     // STOP
        return ms.ToArray();
    }
}
