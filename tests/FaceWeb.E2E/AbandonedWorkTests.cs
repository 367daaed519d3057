using System.Diagnostics;
using System.Text.RegularExpressions;
using FaceWeb.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FaceWeb.E2E;

/// <summary>A browser that dies (its process killed, not a tab closed) during a long job: the server notices the
/// dropped connection, pauses the job and cancels it when the reconnection grace period ends, freeing the engine.</summary>
public sealed class AbandonedWorkTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    static CancellationToken T => TestContext.Current.CancellationToken;

    /// <summary>Debian's Chromium as a process of our own (so it can be killed), driven over the DevTools protocol.</summary>
    static async Task<(Process Chromium, IBrowser Browser, string Profile)> StartChromium(IPlaywright playwright)
    {
        string profile = Directory.CreateTempSubdirectory("faceweb-e2e-kill-").FullName;
        var psi = new ProcessStartInfo(BrowserFixture.ChromiumPath)
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--disable-quic", "--remote-debugging-port=0", $"--user-data-dir={profile}", "about:blank" })
            psi.ArgumentList.Add(a);
        var chromium = Process.Start(psi)!;
        string? ws = null;
        while (ws is null && await chromium.StandardError.ReadLineAsync(T) is { } line)
            if (Regex.Match(line, @"DevTools listening on (ws://\S+)") is { Success: true } m) ws = m.Groups[1].Value;
        Assert.NotNull(ws);
        _ = chromium.StandardError.ReadToEndAsync(T);
        return (chromium, await playwright.Chromium.ConnectOverCDPAsync(ws), profile);
    }

    [Fact]
    public async Task Killing_the_browser_during_text_to_face_cancels_the_job_after_the_grace_period()
    {
        var jobs = app.Services.GetRequiredService<JobLog>();
        var scheduler = app.Services.GetRequiredService<EngineHost>().Scheduler;
        var (chromium, browser, profile) = await StartChromium(app.Playwright);
        try
        {
            var page = await browser.Contexts[0].NewPageAsync();
            await page.GotoAsync(app.BaseUrl + "/create");
            await page.GetByTestId("caption").Locator("input").FillAsync("an old man with glasses");
            await page.GetByLabel("Steps").FillAsync("1000");
            await page.GetByTestId("create-generate").ClickAsync();
            await Expect(page.GetByTestId("create-progress")).ToBeVisibleAsync();
            var running = await jobs.WaitForAsync(r => r.Kind == "text → face" && r.State == JobState.Running, T);

            chromium.Kill(entireProcessTree: true);                 // no close frame, no tab close: the connection just drops
            await chromium.WaitForExitAsync(T);

            var ended = await jobs.WaitForAsync(r => r.Id == running.Id && r.State is not (JobState.Running or JobState.Paused), T);
            Assert.Equal(JobState.Cancelled, ended.State);
            Assert.Equal("connection lost", ended.Reason);
            Assert.False(scheduler.HasWork(running.Client), "the engine has nothing left to do for the dead browser");
            Assert.DoesNotContain(jobs.Recent, r => r.Circuit == running.Circuit && r.State is JobState.Running or JobState.Paused);
        }
        finally
        {
            if (!chromium.HasExited) chromium.Kill(entireProcessTree: true);
            try { await browser.DisposeAsync(); } catch (PlaywrightException) { }
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { }
        }
    }
}
