using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FaceWeb.E2E;

/// <summary>The Aspire app host (deploy/FaceWeb.AppHost) as a user runs it: it starts Debian's Redis and PostgreSQL,
/// two engine silos, two web front-ends and the balancer; a browser gets a silo-rendered face through the balancer;
/// SIGTERM to the app host stops every one of them, PostgreSQL with a clean shutdown.</summary>
public sealed partial class AppHostTests
{
    [Fact]
    public async Task The_app_host_starts_the_topology_serves_faces_through_the_balancer_and_stops_it_all()
    {
        if (RedisServer.Missing() is { } missing)
        {
            if (Environment.GetEnvironmentVariable("FACEWEB_REQUIRE_REDIS") == "1") throw new InvalidOperationException(missing);
            Assert.Skip(missing);
        }
        string state = Directory.CreateTempSubdirectory("faceweb-e2e-apphost-").FullName;
        int basePort = FreeBase();
        int[] ports = [basePort, basePort + 1, basePort + 2, basePort + 21, basePort + 22, basePort + 10, basePort + 11];
        string build = ServerProcess.BuildOf("deploy", "FaceWeb.AppHost");
        await using var host = await ServerProcess.StartAsync(Path.Combine(build, "FaceWeb.AppHost.dll"),
            Path.GetFullPath(Path.Combine(build, "..", "..", "..", "..")),
            [Path.Combine(build, "FaceWeb.AppHost.dll"), $"--FaceWeb:State={state}", $"--FaceWeb:BasePort={basePort}"],
            new Dictionary<string, string>
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{RedisServer.FreePort()}",                      // the dashboard
                ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{RedisServer.FreePort()}",
                ["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true",
            }, TestContext.Current.CancellationToken);
        try
        {
            // Every server answers its health page once the app host has started it (each waits for what it needs).
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            foreach (var (port, role) in new[] { (basePort + 21, "engine"), (basePort + 22, "engine"), (basePort + 1, "web"), (basePort + 2, "web"), (basePort, "web") })
                Assert.Contains($"\"ready\":true,\"role\":\"{role}\"", await Healthy(http, port));

            // A browser through the balancer: a front-end's page with a face an engine silo rendered.
            using var playwright = await Playwright.CreateAsync();
            var browser = await BrowserFixture.LaunchAsync(playwright, Path.Combine(state, "browser"));
            var page = await browser.NewPageAsync();
            await page.GotoAsync($"http://127.0.0.1:{basePort}/");
            await Expect(page.GetByTestId("frontend")).ToHaveTextAsync(new Regex("^server web[12]$"));
            await Expect(page.GetByTestId("frame-caption")).ToContainTextAsync(new Regex(@"engine engine[12]"));
            var face = page.GetByTestId("face");
            await Expect(face).ToHaveAttributeAsync("src", new Regex("^data:image/png;base64,"));
            int px = int.Parse(Regex.Match((await page.GetByTestId("frame-caption").TextContentAsync())!, @"(\d+) px").Groups[1].Value);
            Assert.Equal(px, await face.EvaluateAsync<int>("img => img.decode().then(() => img.naturalWidth)"));
            await browser.CloseAsync();

            // SIGTERM: the app host ends, then nothing listens on any of the topology's ports; PostgreSQL shut down cleanly.
            Assert.Equal(0, await host.StopAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken));
            foreach (int port in ports) await Closed(port);
            await Ended(state);
            Assert.Contains("Database cluster state:               shut down", PgControlData(Path.Combine(state, "pg")));
        }
        catch (Exception e) when (e is not Xunit.Sdk.SkipException)
        {
            throw new Exception(e.Message + "\nThe app host's output:\n" + string.Join("\n", host.Output.TakeLast(200)), e);
        }
        finally
        {
            try { Directory.Delete(state, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The health page's answer once it says ready (the app host starts servers in order; a silo loads its pack).</summary>
    static async Task<string> Healthy(HttpClient http, int port)
    {
        var until = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                string body = await http.GetStringAsync($"http://127.0.0.1:{port}/healthz", TestContext.Current.CancellationToken);
                if (body.Contains("\"ready\":true", StringComparison.Ordinal)) return body;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested) { }
            if (until.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException($"nothing ready on port {port} after 3 minutes");
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Waits (up to a minute) until nothing accepts connections on the loopback port.</summary>
    static async Task Closed(int port)
    {
        var until = Stopwatch.StartNew();
        while (true)
        {
            using var client = new TcpClient();
            try { await client.ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken); }
            catch (SocketException) { return; }
            if (until.Elapsed > TimeSpan.FromMinutes(1)) throw new TimeoutException($"port {port} still open a minute after the app host stopped");
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Waits (up to 90 s) until no process started for this topology is left: the app host's orchestrator stops
    /// them after the host ends (an engine silo leaves the cluster first). They are known by the state folder in their
    /// environment or command line.</summary>
    static async Task Ended(string state)
    {
        var until = Stopwatch.StartNew();
        while (true)
        {
            var left = Directory.GetDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _) && Mentions(d, state)).ToList();
            if (left.Count == 0) return;
            if (until.Elapsed > TimeSpan.FromSeconds(90))
                throw new TimeoutException("still running 90 s after the app host stopped: " + string.Join(", ", left.Select(d => Read(Path.Combine(d, "cmdline")).Replace('\0', ' '))));
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
        static bool Mentions(string proc, string text) => Read(Path.Combine(proc, "environ")).Contains(text, StringComparison.Ordinal)
                                                         || Read(Path.Combine(proc, "cmdline")).Contains(text, StringComparison.Ordinal);
        static string Read(string file)
        {
            try { return File.ReadAllText(file); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; }   // gone, or another user's
        }
    }

    static string PgControlData(string dataDir)
    {
        string bin = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Max(StringComparer.Ordinal)!;
        var psi = new ProcessStartInfo(Path.Combine(bin, "pg_controldata"), [dataDir]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    /// <summary>A base port whose topology ports (docs/deploy.md: +0…+2, +10, +11, +21, +22; silo and gateway ports
    /// offset from 11111/30000) are all free now.</summary>
    static int FreeBase()
    {
        for (int tries = 0; ; tries++)
        {
            int b = 20000 + Random.Shared.Next(0, 100) * 50, offset = b - 5100;
            int[] ports = [b, b + 1, b + 2, b + 10, b + 11, b + 21, b + 22, 11111 + offset, 11112 + offset, 30000 + offset, 30001 + offset];
            if (ports.All(Free) || tries > 50) return b;
        }
    }

    static bool Free(int port)
    {
        try { using var l = new TcpListener(IPAddress.Loopback, port); l.Start(); return true; }
        catch (SocketException) { return false; }
    }
}
