using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FaceWeb.E2E;

/// <summary>A throw-away Redis (Debian's <c>redis-server</c>) on a free loopback port, nothing saved to disk, stopped
/// with the test run. Without the package the cluster tests skip and say what to install, or fail when
/// <c>FACEWEB_REQUIRE_REDIS=1</c> (.ci/run sets it).</summary>
public sealed class RedisServer : IAsyncDisposable
{
    readonly Process process;
    public string Endpoint { get; }

    RedisServer(Process process, string endpoint) => (this.process, Endpoint) = (process, endpoint);

    public static string? Missing() =>
        File.Exists("/usr/bin/redis-server") ? null : "redis-server is not installed (apt-get install redis-server); the scale-out tests need it.";

    public static async Task<RedisServer> StartAsync(CancellationToken ct)
    {
        int port = FreePort();
        var psi = new ProcessStartInfo("/usr/bin/redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", $"{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", Path.GetTempPath() })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) => { if (e.Data?.Contains("Ready to accept connections", StringComparison.Ordinal) == true) ready.TrySetResult(); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        return new RedisServer(process, $"127.0.0.1:{port}");
    }

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited) { process.Kill(); await process.WaitForExitAsync(); }
        process.Dispose();
    }
}
