using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FaceWeb.E2E;

/// <summary>Nothing lost silently: a face made in a plain session and its Edit history are still there after the server
/// is stopped and started again (same data folder, a new process state, a new port), and a link to a face this
/// browser does not have says so.</summary>
public sealed class RestartTests : IAsyncLifetime
{
    readonly string data = Directory.CreateTempSubdirectory("faceweb-e2e-restart-").FullName;
    readonly string profile = Directory.CreateTempSubdirectory("faceweb-e2e-").FullName;
    WebApplicationFactory<Program>? server;
    IPlaywright? playwright;
    IBrowserContext? browser;

    string Start()
    {
        server = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseSetting("FaceWeb:Data", data));
        server.UseKestrel(0);
        server.StartServer();
        return server.ClientOptions.BaseAddress.ToString().TrimEnd('/');
    }

    public async ValueTask InitializeAsync()
    {
        playwright = await Playwright.CreateAsync();
        browser = await BrowserFixture.LaunchAsync(playwright, profile);
    }

    [Fact]
    public async Task A_restart_keeps_the_session_face_and_the_edit_history()
    {
        string url = Start();
        var page = await browser!.NewPageAsync();
        await page.GotoAsync(url + "/create");
        await page.GetByTestId("caption").Locator("input").FillAsync("an old man with glasses");
        await page.GetByLabel("Faces").FillAsync("1");
        await page.GetByLabel("Steps").FillAsync("2");
        await page.GetByTestId("create-generate").ClickAsync();
        await page.GetByTestId("create-edit").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/edit\\?latent=\\w+"));
        string path = new Uri(page.Url).PathAndQuery;
        await Expect(page.GetByTestId("edit-start-latent")).ToContainTextAsync("an old man with glasses");
        await page.GetByTestId("target").Locator("input").FillAsync("a face with blond hair");
        await page.GetByTestId("apply").ClickAsync();
        await Expect(page.GetByTestId("history-item")).ToHaveCountAsync(1);
        string detail = await page.GetByTestId("history-item").InnerTextAsync();
        Assert.Empty(await page.GetByTestId("not-kept").AllAsync());

        await server!.DisposeAsync();                                   // the server goes away …
        url = Start();                                                  // … and comes back on another port
        await page.GotoAsync(url + path);                               // the reload, at the same address
        await Expect(page.GetByTestId("edit-start-latent")).ToContainTextAsync("an old man with glasses");
        await Expect(page.GetByTestId("history-item")).ToHaveCountAsync(1);
        Assert.Equal(detail, await page.GetByTestId("history-item").InnerTextAsync());
        await Expect(page.GetByTestId("edit-notice")).ToHaveCountAsync(0);

        await page.GotoAsync(url + "/edit?latent=0123456789ab");        // a face this browser never had
        await Expect(page.GetByTestId("edit-notice")).ToContainTextAsync("is not in this browser's session");
        await page.CloseAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (browser is not null) await browser.DisposeAsync();
        playwright?.Dispose();
        if (server is not null) await server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var d in new[] { data, profile }) try { Directory.Delete(d, true); } catch (IOException) { }
    }
}
