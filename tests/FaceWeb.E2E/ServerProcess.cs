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
    public IReadOnlyList<string> Output => output;
    readonly List<string> output = [];

    ServerProcess(Process process, string url) => (this.process, BaseUrl) = (process, url);

    /// <summary>The server's build output beside this test's: tests/FaceWeb.E2E/bin/C/TFM/RID → FaceWeb.Server/bin/C/TFM/RID.</summary>
    static string ServerBuild()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var parts = new List<string>();
        while (dir.Name != "bin") { parts.Insert(0, dir.Name); dir = dir.Parent!; }
        var project = dir.Parent!;                                                       // tests/FaceWeb.E2E
        return Path.Combine([project.Parent!.Parent!.FullName, "FaceWeb.Server", "bin", .. parts]);
    }

    public static async Task<ServerProcess> StartAsync(string data, CancellationToken ct)
    {
        string build = ServerBuild(), dll = Path.Combine(build, "FaceWeb.Server.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("Build the server first (dotnet build): not found", dll);
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetFullPath(Path.Combine(build, "..", "..", "..", "..")),     // FaceWeb.Server/
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var a in new[] { dll, "--urls", "http://127.0.0.1:0", $"--FaceWeb:Data={data}" }) psi.ArgumentList.Add(a);
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
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("the server exited: " + string.Join("\n", lines)));
        process.EnableRaisingEvents = true;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromMinutes(2));
        string url = await listening.Task.WaitAsync(limit.Token);
        var server = new ServerProcess(process, url);
        lock (lines) server.output.AddRange(lines);
        return server;
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

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited) { process.Kill(entireProcessTree: true); await process.WaitForExitAsync(); }
        process.Dispose();
    }
}
