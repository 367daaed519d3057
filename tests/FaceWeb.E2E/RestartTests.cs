using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FaceWeb.E2E;

/// <summary>Nothing lost silently: a face made in a plain session and its Edit history are still there after the server
/// is stopped and started again (same data folder, a new process state, a new port), a review room survives its server
/// process being stopped and a new one started, and a link to a face this browser does not have says so.</summary>
public sealed class RestartTests : IAsyncLifetime
{
    readonly string data = Directory.CreateTempSubdirectory("faceweb-e2e-restart-").FullName;
    readonly string profile = Directory.CreateTempSubdirectory("faceweb-e2e-").FullName;
    WebApplicationFactory<Program>? server;
    ServerProcess? process;
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

    /// <summary>A real restart: the server is its own OS process, stopped with SIGTERM, and a new process starts on the
    /// same data folder; the node's latent, continued on Edit, renders the very image the room shows.</summary>
    [Fact]
    public async Task A_restart_keeps_a_room_its_tree_comments_and_verdicts_and_the_node_shows_the_same_image()
    {
        process = await ServerProcess.StartAsync(data, TestContext.Current.CancellationToken);
        string url = process.BaseUrl;
        var page = await browser!.NewPageAsync();
        await page.GotoAsync(url + "/create");
        await page.GetByTestId("caption").Locator("input").FillAsync("a smiling woman");
        await page.GetByLabel("Faces").FillAsync("1");
        await page.GetByLabel("Steps").FillAsync("2");
        await page.GetByTestId("create-generate").ClickAsync();
        await Expect(page.GetByTestId("create-edit")).ToHaveCountAsync(1);
        await page.GotoAsync(url + "/rooms/new");
        await page.GetByTestId("room-title").Locator("input").FillAsync("Kept");
        await page.GetByTestId("room-name").Locator("input").FillAsync("Ada");
        await page.GetByTestId("room-create").ClickAsync();
        await Expect(page.GetByTestId("room-title")).ToHaveTextAsync("Kept");
        string path = new Uri(page.Url).PathAndQuery;
        for (int i = 0; i < 2; i++)                                     // a root and a child: a tree
        {
            await page.GetByTestId("room-post-select").ClickAsync();
            await page.GetByRole(AriaRole.Option).First.ClickAsync();
            await page.GetByTestId("room-post").ClickAsync();
            await Expect(page.GetByTestId("room-node")).ToHaveCountAsync(i + 1);
        }
        await page.GetByTestId("room-comment-text").Locator("textarea").First.FillAsync("keep this one");
        await page.GetByTestId("room-comment-post").ClickAsync();
        await page.GetByTestId("room-verdict-approve").ClickAsync();
        await Expect(page.GetByTestId("room-verdicts")).ToContainTextAsync("Ada: Approve");
        string image = (await page.GetByTestId("room-image").GetAttributeAsync("src"))!;
        string tree = await page.Locator("[data-testid=room-node]").AllInnerTextsAsync().ContinueWith(t => string.Join("\n", t.Result));

        Assert.Equal(0, await process.StopAsync(TestContext.Current.CancellationToken));   // the process ends cleanly …
        await process.DisposeAsync();
        process = await ServerProcess.StartAsync(data, TestContext.Current.CancellationToken);  // … a new one starts
        url = process.BaseUrl;
        await page.GotoAsync(url + path);
        await Expect(page.GetByTestId("room-title")).ToHaveTextAsync("Kept");
        Assert.Equal(tree, string.Join("\n", await page.Locator("[data-testid=room-node]").AllInnerTextsAsync()));
        await Expect(page.GetByTestId("room-comment")).ToContainTextAsync("keep this one");
        await Expect(page.GetByTestId("room-verdicts")).ToContainTextAsync("Ada: Approve");
        Assert.Equal(image, await page.GetByTestId("room-image").GetAttributeAsync("src"));   // the stored image

        // Continue from here: Edit renders the node's latent (the region painter's background is the start's render).
        await page.GetByTestId("room-continue").ClickAsync();
        await Expect(page.GetByTestId("edit-start-latent")).ToContainTextAsync("room node");
        await page.Locator(".mud-tab", new() { HasText = "Optimisation" }).ClickAsync();
        await page.GetByTestId("region-toggle").ClickAsync();
        var canvas = page.Locator("canvas[style*='background']");
        await Expect(canvas).ToHaveAttributeAsync("style", new System.Text.RegularExpressions.Regex("url"));
        Assert.Contains($"url('{image}')", await canvas.GetAttributeAsync("style"));         // the same pixels, rendered again
        await page.CloseAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (browser is not null) await browser.DisposeAsync();
        playwright?.Dispose();
        if (server is not null) await server.DisposeAsync();
        if (process is not null) await process.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var d in new[] { data, profile }) try { Directory.Delete(d, true); } catch (IOException) { }
    }
}
