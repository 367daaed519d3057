using System.Diagnostics;
using System.Text.RegularExpressions;

namespace FaceWeb.E2E;

/// <summary>The app as an OS process of its own: the built FaceWeb.Server, with its project folder as content root (as
/// `dotnet run --project FaceWeb.Server` has it), on a free loopback port, stopped with SIGTERM as a service manager
/// stops it. A restart test stops one and starts another on the same data folder.</summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    readonly Process process;
    public string BaseUrl { get; }
    /// <summary>Everything the process has written so far.</summary>
    public IReadOnlyList<string> Output { get { lock (output) return [.. output]; } }
    readonly List<string> output;

    ServerProcess(Process process, string url, List<string> output) => (this.process, BaseUrl, this.output) = (process, url, output);

    /// <summary>A project's build output beside this test's: tests/FaceWeb.E2E/bin/C/TFM/RID → PROJECT/bin/C/TFM/RID
    /// (PROJECT relative to the repository, e.g. FaceWeb.Server).</summary>
    public static string BuildOf(params string[] project)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var parts = new List<string>();
        while (dir.Name != "bin") { parts.Insert(0, dir.Name); dir = dir.Parent!; }
        var repository = dir.Parent!.Parent!.Parent!;                                   // tests/FaceWeb.E2E/bin → the repository
        return Path.Combine([repository.FullName, .. project, "bin", .. parts]);
    }

    /// <param name="settings">More command-line settings (e.g. <c>--FaceWeb:Role=engine</c>).</param>
    public static Task<ServerProcess> StartAsync(string data, CancellationToken ct, params string[] settings)
    {
        string build = BuildOf("FaceWeb.Server"), dll = Path.Combine(build, "FaceWeb.Server.dll");
        return StartAsync(dll, Path.GetFullPath(Path.Combine(build, "..", "..", "..", "..")),      // FaceWeb.Server/
            [dll, "--urls", "http://127.0.0.1:0", $"--FaceWeb:Data={data}", .. settings], new Dictionary<string, string>(), ct);
    }

    /// <summary>A built program (<c>dotnet DLL ARGS</c>) in WORKDIR, started once it says where it listens.</summary>
    public static async Task<ServerProcess> StartAsync(string dll, string workDir, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        if (!File.Exists(dll)) throw new FileNotFoundException("Build it first (dotnet build): not found", dll);
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        var process = new Process { StartInfo = psi };
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lines = new List<string>();
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (lines) lines.Add(line);
            if (Listening().Match(line) is { Success: true } m) listening.TrySetResult(m.Groups[1].Value);
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("the process exited: " + string.Join("\n", lines)));
        process.EnableRaisingEvents = true;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromMinutes(2));
        string url = await listening.Task.WaitAsync(limit.Token);
        return new ServerProcess(process, url, lines);
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex Listening();

    /// <summary>SIGTERM, then waits for the process to end; returns its exit code.</summary>
    public async Task<int> StopAsync(CancellationToken ct = default)
    {
        if (process.HasExited) return process.ExitCode;
        using (var kill = Process.Start("kill", ["-TERM", $"{process.Id}"])) await kill.WaitForExitAsync(ct);
        await process.WaitForExitAsync(ct);
        return process.ExitCode;
    }

    /// <summary>SIGKILL: the process dies at once, as in a crash or a machine lost.</summary>
    public async Task KillAsync()
    {
        if (process.HasExited) return;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    public bool HasExited => process.HasExited;

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited) { process.Kill(entireProcessTree: true); await process.WaitForExitAsync(); }
        process.Dispose();
    }
}
