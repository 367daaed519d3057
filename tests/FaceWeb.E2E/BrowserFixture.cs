using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;

namespace FaceWeb.E2E;

/// <summary>The real app on a Kestrel port plus Debian's Chromium driven by Playwright (offline: no browser download).</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";
    readonly string profile = Directory.CreateTempSubdirectory("faceweb-e2e-").FullName;
    readonly string data = Directory.CreateTempSubdirectory("faceweb-e2e-data-").FullName;
    readonly WebApplicationFactory<Program> factory;

    public BrowserFixture() => factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseSetting("FaceWeb:Data", data));
    IPlaywright? playwright;

    public IBrowserContext Browser { get; private set; } = null!;

    /// <summary>A page in a browser session of its own: the session cookie is cleared first, so what one test keeps
    /// (faces, Edit history, start) does not show up in the next.</summary>
    public async Task<IPage> NewPageAsync()
    {
        await Browser.ClearCookiesAsync();
        return await Browser.NewPageAsync();
    }
    /// <summary>The page's sketch canvas once its pointer listeners are attached (the element is visible a moment before
    /// they are; a stroke drawn in between reaches nobody).</summary>
    public static async Task<ILocator> SketchCanvasAsync(IPage page)
    {
        var canvas = page.Locator("[data-testid=sketch-canvas][data-ready=true]");
        await Assertions.Expect(canvas).ToBeVisibleAsync();
        return canvas;
    }
    /// <summary>Presses <paramref name="key"/> on the range input <paramref name="range"/> <paramref name="presses"/> times,
    /// each press once the page shows what the one before it made (<paramref name="shown"/>(i) visible after press i). Blazor
    /// Server writes every value it renders back into the input, so a press made while the render of the one before it is on
    /// its way starts from the older value and the slider ends a step short (the likely cause of CI's cluster run ending at
    /// "age +0.9" after ten presses).</summary>
    public static async Task PressEachAsync(ILocator range, string key, int presses, Func<int, ILocator> shown)
    {
        await range.FocusAsync();
        for (int i = 1; i <= presses; i++)
        {
            await range.PressAsync(key);
            await Assertions.Expect(shown(i)).ToBeVisibleAsync();
        }
    }
    public IPlaywright Playwright => playwright!;
    public IServiceProvider Services => factory.Services;
    public string BaseUrl { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        factory.UseKestrel(0);
        factory.StartServer();
        BaseUrl = factory.ClientOptions.BaseAddress.ToString().TrimEnd('/');
        playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await LaunchAsync(playwright, profile);
    }

    /// <summary>Debian's Chromium, headless, offline-friendly, with its profile in <paramref name="profileDir"/>.</summary>
    public static Task<IBrowserContext> LaunchAsync(IPlaywright playwright, string profileDir)
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} not found: install Debian's chromium (apt-get install chromium); .ci/run does.");
        // Engine work (optimisation steps, jobs) shares 2 cores with the other test assemblies in CI: a frame can take
        // seconds there. Expectations wait for behaviour, so give them room instead of the 5 s default.
        Assertions.SetDefaultExpectTimeout(30_000);
        return playwright.Chromium.LaunchPersistentContextAsync(profileDir, new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-quic"],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        playwright?.Dispose();
        await factory.DisposeAsync();
        foreach (var d in new[] { profile, data }) try { Directory.Delete(d, recursive: true); } catch (IOException) { }
    }
}
