using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FaceWeb.Engine;

/// <summary>Process-wide native settings applied before libtorch runs its first kernel.</summary>
public static partial class TorchSetup
{
    /// <summary>Environment variable that caps oneDNN's instruction set. libtorch 2.10's oneDNN AVX-512 convolution
    /// kernels return wrong float32 results on some CPUs (seen on this project's AMD EPYC build machines: 24- and 48-channel
    /// 3×3 convs and transposed convs off by ~1 %); AVX2 kernels match the reference. Users may set it themselves.</summary>
    public const string OneDnnIsaVariable = "ONEDNN_MAX_CPU_ISA";
    public const string OneDnnIsaDefault = "AVX2_VNNI";
    /// <summary>OpenMP's wait policy for libtorch's intra-op workers; OMP_WAIT_POLICY=ACTIVE in the environment wins.</summary>
    public const string OmpWaitPolicyVariable = "OMP_WAIT_POLICY", OmpWaitPolicyDefault = "PASSIVE";

#pragma warning disable CA2255 // a library must set this before any caller touches libtorch
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        // .NET keeps its own copy of the environment; oneDNN reads the C library's, so set it there.
        _ = setenv(OneDnnIsaVariable, OneDnnIsaDefault, 0);
        // libtorch's OpenMP workers sleep between parallel regions instead of spinning (ADR 0002): on a machine that also
        // runs the web server, its circuits and, in tests, the browser, spinning workers take the CPU those need.
        _ = setenv(OmpWaitPolicyVariable, OmpWaitPolicyDefault, 0);
        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("MALLOC_MMAP_MAX_") is null) KeepFreedMemory();
        if (Environment.GetEnvironmentVariable("TORCH_CPP_LOG_LEVEL") is null) QuietNativeWarnings();
    }

    /// <summary>libtorch logs "Could not initialize NNPACK! Reason: Unsupported hardware." on every batch-1 conv on such
    /// CPUs (then uses its other kernels). Raise c10's log threshold to ERROR (c10 only reads TORCH_CPP_LOG_LEVEL from
    /// Python). Best effort: if the symbol is not there, warnings stay on.</summary>
    static void QuietNativeWarnings()
    {
        try
        {
            _ = TorchSharp.torch.get_num_threads();  // loads libtorch
            if (NativeLibrary.TryLoad("libc10.so", typeof(TorchSharp.torch).Assembly, DllImportSearchPath.AssemblyDirectory, out var lib) &&
                NativeLibrary.TryGetExport(lib, "FLAGS_caffe2_log_level", out var level))
                Marshal.WriteInt32(level, 2);  // c10::GLOG_ERROR
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException) { }
    }

    /// <summary>glibc serves allocations above 32 MB with fresh mmaps and unmaps them on free, so every large activation
    /// (a 256-px layer is 33 MB per image) costs page faults and kernel zeroing on every frame: measured 1.28 s → 0.84 s
    /// per 256-px image and 3.2 s → 1.1 s at batch 8 on 2 cores. Serve everything from the heap and keep freed memory
    /// for the next frame instead (steady-state memory then equals the peak of one frame). MALLOC_MMAP_MAX_ overrides.</summary>
    static void KeepFreedMemory()
    {
        const int M_TRIM_THRESHOLD = -1, M_TOP_PAD = -2, M_MMAP_MAX = -4;
        try
        {
            _ = mallopt(M_MMAP_MAX, 0);
            _ = mallopt(M_TRIM_THRESHOLD, int.MaxValue);
            _ = mallopt(M_TOP_PAD, 64 << 20);
        }
        catch (EntryPointNotFoundException) { }   // not glibc (e.g. musl): leave the allocator alone
    }

    /// <summary>Whether libtorch may use oneDNN (mkldnn) kernels (at::Context's user flag, torch.backends.mkldnn.enabled in
    /// Python; TorchSharp does not expose it). Off, convolutions use libtorch's native im2col + GEMM kernels. Training with
    /// small-channel convolutions needs that: under the AVX2 cap, oneDNN's backward-data convolution returns NaN for some
    /// shapes on this project's build machines (ADR 0002's update; e.g. 16 → 3 channels at 16 px, batch 8), while the
    /// forward is right (the parity tests). Process-wide: set it around a training run, not while frames are served.</summary>
    public static bool OneDnnEnabled
    {
        get => userEnabledMkldnn(globalContext());
        set => setUserEnabledMkldnn(globalContext(), value);
    }

    [LibraryImport("libtorch_cpu.so", EntryPoint = "_ZN2at13globalContextEv")]
    private static partial IntPtr globalContext();

    [LibraryImport("libtorch_cpu.so", EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static partial bool userEnabledMkldnn(IntPtr context);

    [LibraryImport("libtorch_cpu.so", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static partial void setUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [LibraryImport("libc")]
    private static partial int mallopt(int param, int value);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
