using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FaceWeb.E2E;

/// <summary>SIGTERM while a long job runs: the real server process (not a test host) cancels the job, stops and exits
/// with code 0, and logs no error on the way out. The time it takes goes to shutdown.json for the issue note.</summary>
public sealed class ShutdownTests : IAsyncLifetime
{
    static CancellationToken T => TestContext.Current.CancellationToken;
    readonly string data = Directory.CreateTempSubdirectory("faceweb-e2e-shutdown-").FullName;
    readonly string profile = Directory.CreateTempSubdirectory("faceweb-e2e-").FullName;
    IPlaywright? playwright;
    IBrowserContext? browser;

    public async ValueTask InitializeAsync()
    {
        playwright = await Playwright.CreateAsync();
        browser = await BrowserFixture.LaunchAsync(playwright, profile);
    }

    static string Repository()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "FaceWeb.sln"))) return d.FullName;
        throw new InvalidOperationException("FaceWeb.sln not found above the test output");
    }

    [Fact]
    public async Task Sigterm_during_text_to_face_cancels_the_job_and_exits_cleanly()
    {
        string repo = Repository();
        string app = Path.Combine(repo, "FaceWeb.Server", "bin", "Debug", "net10.0", "linux-x64", "FaceWeb.Server.dll");
        Assert.True(File.Exists(app), $"{app} is built with the solution");
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.Combine(repo, "FaceWeb.Server"), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { app, "--urls", "http://127.0.0.1:0", "--FaceWeb:Data", data, "--Logging:Console:FormatterName", "simple" }) psi.ArgumentList.Add(a);
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        using var server = Process.Start(psi)!;
        var log = new List<string>();
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(string? line)
        {
            if (line is null) return;
            lock (log) log.Add(line);
            if (Regex.Match(line, @"Now listening on: (http://\S+)") is { Success: true } m) listening.TrySetResult(m.Groups[1].Value);
        }
        server.OutputDataReceived += (_, e) => Read(e.Data);
        server.ErrorDataReceived += (_, e) => Read(e.Data);
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            string url = await listening.Task.WaitAsync(T);
            var page = await browser!.NewPageAsync();
            await page.GotoAsync(url + "/create");
            await page.GetByTestId("caption").Locator("input").FillAsync("an old man with glasses");
            await page.GetByLabel("Steps").FillAsync("1000");
            await page.GetByTestId("create-generate").ClickAsync();
            await Expect(page.GetByTestId("create-image")).ToBeVisibleAsync();          // the job is running and streaming

            var sw = Stopwatch.StartNew();
            Assert.Equal(0, Kill(server.Id, 15));                                        // SIGTERM
            await server.WaitForExitAsync(T);
            File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "shutdown.json"), $"{{\"Seconds\": {sw.Elapsed.TotalSeconds:0.00}}}");
            Assert.Equal(0, server.ExitCode);
            string[] lines;
            lock (log) lines = [.. log];
            Assert.Contains(lines, l => l.Contains("(text → face) cancelled", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal));
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
            lock (log) File.WriteAllLines(Path.Combine(AppContext.BaseDirectory, "shutdown.log"), log);   // to read when it fails
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    static extern int Kill(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        if (browser is not null) await browser.DisposeAsync();
        playwright?.Dispose();
        foreach (var d in new[] { data, profile }) try { Directory.Delete(d, true); } catch (IOException) { }
    }
}
