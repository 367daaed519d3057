using System.Runtime.InteropServices;

namespace FaceWeb.Engine;

/// <summary>Hands freed native memory back to the system. libtorch frees large tensors into glibc's heap, which keeps
/// them (RSS stays at its peak after an upload or a long job); <c>malloc_trim</c> releases what is free. A no-op
/// where glibc is absent.</summary>
public static partial class NativeMemory
{
    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    static bool unavailable;

    public static void Trim()
    {
        if (unavailable || !OperatingSystem.IsLinux()) return;
        try { MallocTrim(0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { unavailable = true; }
    }

    /// <summary>Resident set size of this process in bytes (Linux /proc), or the working set elsewhere.</summary>
    public static long ResidentBytes()
    {
        if (OperatingSystem.IsLinux())
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        return Environment.WorkingSet;
    }
}
