using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>Finds ../shared/fixtures beside the repository. When absent, fixture tests skip with a message,
/// unless FACEWEB_REQUIRE_FIXTURES=1 (set by .ci/run), which turns the skip into a failure.</summary>
public static class Fixtures
{
    public static string? SharedRoot { get; } = FindShared();

    public static string Dir(string name)
    {
        string? dir = SharedRoot is null ? null : Path.Combine(SharedRoot, "fixtures", name);
        if (dir is not null && Directory.Exists(dir)) return dir;
        string msg = $"fixtures '{name}' not found (expected ../shared/fixtures/{name} beside the repository)";
        if (Environment.GetEnvironmentVariable("FACEWEB_REQUIRE_FIXTURES") == "1")
            throw new InvalidOperationException(msg + "; FACEWEB_REQUIRE_FIXTURES=1 makes this a failure");
        Assert.Skip(msg);
        return "";
    }

    public static string File(string folder, string file) => Path.Combine(Dir(folder), file);

    static string? FindShared()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(d.FullName, "FaceWeb.sln")))
            {
                var shared = Path.Combine(d.FullName, "..", "shared");
                return Directory.Exists(shared) ? Path.GetFullPath(shared) : null;
            }
        }
        return null;
    }

    /// <summary>Asserts max|a−b| ≤ tol·max(1, max|b|) (the fixtures README's forward tolerance).</summary>
    public static void AssertClose(Tensor expected, Tensor actual, string what, double tol = 1e-4, bool relativeOnly = false)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var scope = NewDisposeScope();
        var e = expected.to(float64); var a = actual.detach().to(float64);
        double maxRef = e.abs().max().item<double>();
        double diff = (e - a).abs().max().item<double>();
        double bound = tol * (relativeOnly ? maxRef : Math.Max(1, maxRef));
        Assert.True(diff <= bound, $"{what}: max|diff| = {diff:g4} > {bound:g4} (max|ref| = {maxRef:g4})");
    }
}
