// Where the engine's models and tensors live (FaceWeb:Device, the CLI's --device). Everything is loaded on the CPU,
// moved once to the chosen device, and every tensor made later takes its device from the model or input it works on;
// values come back to the CPU only at the edges (PNG, safetensors, numbers shown to people).
using TorchSharp;
using static TorchSharp.torch;

namespace FaceWeb.Engine;

/// <param name="Note">why auto chose what it chose (no CUDA build, no GPU), or null.</param>
public sealed record DeviceChoice(Device Device, string? Note);

public static class EngineDevice
{
    /// <summary>True when this build carries libtorch's CUDA package (<c>-p:FaceWebGpu=true</c>).</summary>
    public static bool CudaBuild { get; } =
#if FACEWEB_GPU
        true;
#else
        false;
#endif

    /// <summary>"auto" (or null/empty), "cpu", "cuda", "cuda:N", or "meta" (shapes only: the plumbing test's device).
    /// auto takes the first GPU when libtorch can use one and says why not when it cannot.</summary>
    public static DeviceChoice Resolve(string? spec)
    {
        var s = (spec ?? "").Trim().ToLowerInvariant();
        if (s is "" or "auto")
        {
            if (!CudaBuild) return new(CPU, "this build has libtorch's CPU package (build with -p:FaceWebGpu=true for CUDA)");
            if (!cuda.is_available()) return new(CPU, "libtorch's CUDA build finds no usable GPU (driver or device missing)");
            return new(new Device(DeviceType.CUDA, 0), null);
        }
        if (s == "cpu") return new(CPU, null);
        if (s == "meta") return new(new Device(DeviceType.META), null);
        if (s == "cuda" || s.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (s.Length > 4 && (!int.TryParse(s[5..], out index) || index < 0))
                throw new ArgumentException($"device '{spec}': write cuda or cuda:N with N a GPU's number");
            if (!CudaBuild) throw new ArgumentException($"device '{spec}': this build has libtorch's CPU package; build with -p:FaceWebGpu=true, or choose cpu");
            if (!cuda.is_available()) throw new ArgumentException($"device '{spec}': libtorch finds no usable GPU");
            int count = cuda.device_count();
            if (index >= count) throw new ArgumentException($"device '{spec}': there are {count} GPU(s), numbered from 0");
            return new(new Device(DeviceType.CUDA, index), null);
        }
        throw new ArgumentException($"device '{spec}' is not one of auto, cpu, cuda, cuda:N");
    }

    /// <summary>One line for the start-up log: the device, the libtorch build and what it found.</summary>
    public static string Describe(DeviceChoice choice)
    {
        var d = choice.Device;
        string build = CudaBuild
            ? $"libtorch {__version__} (CUDA package; CUDA {(cuda.is_available() ? "available" : "not available")}, {cuda.device_count()} GPU(s), cuDNN {(cuda.is_cudnn_available() ? "available" : "not available")})"
            : $"libtorch {__version__} (CPU package, {get_num_threads()} threads)";
        return $"device {Name(d)}{(choice.Note is null ? "" : $" ({choice.Note})")}; {build}";
    }

    /// <summary>Same device type and number (a CUDA device without a number is GPU 0).</summary>
    public static bool Same(Device a, Device b) => a.type == b.type && Math.Max(0, a.index) == Math.Max(0, b.index);

    /// <summary>A model's boundary check: <paramref name="t"/> must be on the model's <paramref name="device"/>. libtorch
    /// itself would not say so for every op (a matmul on meta takes a CPU operand silently).</summary>
    public static Tensor Expect(Tensor t, Device device, string what) => Same(t.device, device) ? t
        : throw new ArgumentException($"{what} is on {Name(t.device)}, the model on {Name(device)}: move it there first (tensor.to(device))");

    /// <summary>"cpu", "cuda:0", "meta".</summary>
    public static string Name(Device d) => d.type switch
    {
        DeviceType.CPU => "cpu",
        DeviceType.META => "meta",
        DeviceType.CUDA => $"cuda:{Math.Max(0, d.index)}",
        _ => d.ToString(),
    };

    /// <summary>A scalar tensor's value for a person or a log: copied to the CPU; NaN on the meta device, which has shapes
    /// but no values.</summary>
    public static float Read(Tensor scalar) => scalar.device_type == DeviceType.META ? float.NaN : scalar.item<float>();

    /// <summary>A count (e.g. of true entries) for a person or a branch; 0 on meta.</summary>
    public static long ReadCount(Tensor scalar) => scalar.device_type == DeviceType.META ? 0 : scalar.item<long>();

    /// <summary>Input validation: every value finite (true on meta, which has none to check).</summary>
    public static bool AllFinite(Tensor t) => t.device_type == DeviceType.META || t.isfinite().all().item<bool>();

    /// <summary>Values of a small tensor, as <see cref="Read"/> (NaN on meta).</summary>
    public static float[] ReadAll(Tensor t) =>
        t.device_type == DeviceType.META ? Enumerable.Repeat(float.NaN, (int)t.numel()).ToArray() : t.to(float32).cpu().data<float>().ToArray();

    /// <summary>Standard normal numbers from a seeded CPU generator, then on <paramref name="device"/>: a seed gives the same
    /// latent on every device (CUDA's generator would draw other numbers).</summary>
    public static Tensor SeededNormal(long[] shape, TorchSharp.torch.Generator rng, Device device)
    {
        var z = randn(shape, device: CPU, generator: rng);
        if (device.type == DeviceType.CPU) return z;
        using (z) return z.to(device);
    }
}

/// <summary>The engine's own convolutions (StyleGAN2's modulated convs and FIR filters). libtorch's C++ build has no meta
/// kernel for convolution, flip or abs (PyTorch registers them in Python), so on the meta device a conv is its output shape, joined to
/// its inputs' autograd graph; on every other device it is libtorch's conv. Inputs on different devices fail as they would.</summary>
public static class DeviceOps
{
    public static Tensor Conv2d(Tensor x, Tensor w, Tensor? bias = null, long stride = 1, long padding = 0, long groups = 1) =>
        x.device_type != DeviceType.META
            ? nn.functional.conv2d(x, w, bias, strides: [stride, stride], padding: [padding, padding], groups: groups)
            : ShapeOnly(x, w, bias, [x.shape[0], w.shape[0], (x.shape[2] + 2 * padding - w.shape[2]) / stride + 1, (x.shape[3] + 2 * padding - w.shape[3]) / stride + 1]);

    /// <summary>Transposed conv, <paramref name="w"/> [in,out/groups,kh,kw], no output padding.</summary>
    public static Tensor ConvTranspose2d(Tensor x, Tensor w, long stride = 1, long padding = 0, long groups = 1) =>
        x.device_type != DeviceType.META
            ? nn.functional.conv_transpose2d(x, w, strides: [stride, stride], padding: [padding, padding], groups: groups)
            : ShapeOnly(x, w, null, [x.shape[0], w.shape[1] * groups, (x.shape[2] - 1) * stride - 2 * padding + w.shape[2], (x.shape[3] - 1) * stride - 2 * padding + w.shape[3]]);

    /// <summary>abs (no meta kernel in C++ either).</summary>
    public static Tensor Abs(Tensor t) => t.device_type != DeviceType.META ? t.abs() : t.clone();

    /// <summary>flip (no meta kernel in C++ either; on meta only the shape exists, and flipping keeps it).</summary>
    public static Tensor Flip(Tensor t, params long[] dims) => t.device_type != DeviceType.META ? t.flip(dims) : t.clone();

    static Tensor ShapeOnly(Tensor x, Tensor w, Tensor? bias, long[] shape)
    {
        foreach (var t in bias is null ? new[] { w } : [w, bias])
            if (t.device_type != DeviceType.META)
                throw new InvalidOperationException($"Expected all tensors to be on the same device, but found a {t.device_type} weight for a meta input");
        var link = x.sum() + w.sum();                       // keeps autograd's graph through the conv: gradients get their shapes
        if (bias is not null) link = link + bias.sum();
        return empty(shape, dtype: x.dtype, device: x.device) + 0 * link;
    }
}
