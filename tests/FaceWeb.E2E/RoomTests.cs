using static System.FormattableString;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FaceWeb.E2E;

/// <summary>Three browsers (owner, editor, viewer) in one review room on the default pack: what one does appears live in
/// the others, the viewer has no way to write, names and comments are shown as text, and a revoked link loses the room
/// while its page is open.</summary>
public sealed class RoomTests(BrowserFixture app) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    readonly List<(IBrowserContext Context, string Dir)> others = [];

    async Task<IPage> Another()
    {
        string dir = Directory.CreateTempSubdirectory("faceweb-e2e-member-").FullName;
        var context = await BrowserFixture.LaunchAsync(app.Playwright, dir);
        others.Add((context, dir));
        return await context.NewPageAsync();
    }

    static async Task Join(IPage page, string url, string name)
    {
        await page.GotoAsync(url);
        await page.GetByTestId("room-join-name").Locator("input").FillAsync(name);
        await page.GetByTestId("room-join").ClickAsync();
        await Expect(page.GetByTestId("room-title")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Owner_editor_and_viewer_see_each_other_live_and_a_revoked_link_loses_the_room()
    {
        var dialogs = new List<string>();
        var owner = await app.NewPageAsync();
        owner.Dialog += (_, d) => dialogs.Add(d.Message);

        // A face to post: text → face on the default pack, two steps.
        await owner.GotoAsync(app.BaseUrl + "/create");
        await owner.GetByTestId("caption").Locator("input").FillAsync("a smiling woman");
        await owner.GetByLabel("Steps").FillAsync("2");
        await owner.GetByTestId("create-generate").ClickAsync();
        await Expect(owner.GetByTestId("create-edit")).ToHaveCountAsync(3);

        await owner.GotoAsync(app.BaseUrl + "/rooms/new");
        await owner.GetByTestId("room-title").Locator("input").FillAsync("<b>Smile</b> review");
        await owner.GetByTestId("room-name").Locator("input").FillAsync("Ada");
        await owner.GetByTestId("room-create").ClickAsync();
        await Expect(owner.GetByTestId("room-title")).ToHaveTextAsync("<b>Smile</b> review");   // shown as text
        await Expect(owner.GetByTestId("room-role")).ToHaveTextAsync("owner");

        await owner.GetByTestId("room-post-select").ClickAsync();
        await owner.GetByRole(AriaRole.Option).First.ClickAsync();
        await owner.GetByTestId("room-post").ClickAsync();
        await Expect(owner.GetByTestId("room-node")).ToHaveCountAsync(1);
        await Expect(owner.GetByTestId("room-image")).ToBeVisibleAsync();

        await owner.GetByTestId("room-link-editor").ClickAsync();
        string editorUrl = (await owner.GetByTestId("room-link-url").TextContentAsync())!.Trim();
        await owner.GetByTestId("room-link-viewer").ClickAsync();
        await Expect(owner.GetByTestId("room-link-url")).Not.ToHaveTextAsync(editorUrl);
        string viewerUrl = (await owner.GetByTestId("room-link-url").TextContentAsync())!.Trim();

        var editor = await Another();
        var viewer = await Another();
        await Join(editor, editorUrl, "Grace");
        await Join(viewer, viewerUrl, "<i>Viv</i>");
        await Expect(owner.GetByTestId("room-present")).ToContainTextAsync("Grace");
        await Expect(owner.GetByTestId("room-present")).ToContainTextAsync("<i>Viv</i>");
        await Expect(viewer.GetByTestId("room-role")).ToHaveTextAsync("viewer");
        await Expect(viewer.GetByTestId("room-node")).ToHaveCountAsync(1);
        Assert.Equal(0, await viewer.GetByTestId("room-post").CountAsync());                 // viewers have nothing to write with
        Assert.Equal(0, await viewer.GetByTestId("room-comment-post").CountAsync());
        Assert.Equal(0, await viewer.GetByTestId("room-verdict-approve").CountAsync());

        // A pinned comment from the editor appears, pin and all, in the other two.
        var image = editor.GetByTestId("room-image");
        await image.ClickAsync(new() { Position = new() { X = 128, Y = 256 } });
        await Expect(editor.GetByTestId("room-pin-new")).ToBeVisibleAsync();
        await editor.GetByTestId("room-comment-text").Locator("textarea").First.FillAsync("<img src=x onerror=alert(1)> the left eye");
        await editor.GetByTestId("room-comment-post").ClickAsync();
        foreach (var p in new[] { owner, viewer })
        {
            await Expect(p.GetByTestId("room-comment")).ToContainTextAsync("<img src=x onerror=alert(1)> the left eye");
            await Expect(p.GetByTestId("room-pin")).ToHaveCountAsync(1);
        }

        // A reply, a resolve and a verdict travel the same way.
        await owner.GetByTestId("room-comment-reply").First.ClickAsync();
        await owner.GetByTestId("room-comment-text").Locator("textarea").First.FillAsync("agreed");
        await owner.GetByTestId("room-comment-post").ClickAsync();
        await Expect(editor.GetByTestId("room-comment")).ToHaveCountAsync(2);
        await editor.GetByTestId("room-comment-resolve").First.ClickAsync();
        await Expect(owner.GetByTestId("room-comment-resolve").First).ToHaveTextAsync("Reopen");
        await editor.GetByTestId("room-verdict-approve").ClickAsync();
        await Expect(owner.GetByTestId("room-verdicts")).ToContainTextAsync("Grace: Approve");
        await Expect(viewer.GetByTestId("room-verdicts")).ToContainTextAsync("Grace: Approve");

        // The editor continues from the node on Edit, moves a slider and posts the result: it arrives live in the others,
        // one level under the node it started from.
        await editor.GetByTestId("room-continue").ClickAsync();
        await Expect(editor.GetByTestId("edit-start-latent")).ToContainTextAsync("room node");
        await editor.Locator(".mud-tab", new() { HasText = "Sliders" }).ClickAsync();
        var age = editor.Locator("[data-testid=slider-age] input[type=range]");
        await BrowserFixture.PressEachAsync(age, "ArrowRight", 10, i => editor.GetByTestId("slider-age").GetByText(Invariant($"age = {0.1 * i:+0.0}")));
        await Expect(editor.GetByTestId("edit-detail")).ToContainTextAsync("age +1.0");
        await editor.GetByTestId("post-to-room").ClickAsync();
        await Expect(editor.GetByTestId("posted-to-room")).ToContainTextAsync("posted as #");
        foreach (var p in new[] { owner, viewer })
        {
            await Expect(p.GetByTestId("room-node")).ToHaveCountAsync(2);
            await Expect(p.GetByTestId("room-node").Nth(1)).ToContainTextAsync("slider");
            await Expect(p.GetByTestId("room-node").Nth(1)).ToHaveAttributeAsync("style", new System.Text.RegularExpressions.Regex("padding-left: 14px"));
        }
        await editor.GetByTestId("posted-to-room").ClickAsync();                               // back to the room
        await Expect(editor.GetByTestId("room-title")).ToBeVisibleAsync();

        // The owner revokes the viewer's link: the open page loses the room at once, and so does a reload.
        await owner.GetByTestId("room-link-revoke").Last.ClickAsync();
        await Expect(viewer.GetByTestId("room-missing")).ToBeVisibleAsync();
        await viewer.ReloadAsync();
        await Expect(viewer.GetByTestId("room-missing")).ToBeVisibleAsync();
        await Expect(editor.GetByTestId("room-title")).ToBeVisibleAsync();                     // the others stay

        // The owner renames the room (the others see it at once), then deletes it: every page loses it, and so do its downloads.
        await owner.GetByTestId("room-rename-title").Locator("input").FillAsync("Smile review, <i>final</i>");
        await owner.GetByTestId("room-rename").ClickAsync();
        await Expect(editor.GetByTestId("room-title")).ToHaveTextAsync("Smile review, <i>final</i>");
        string ownerUrl = owner.Url;
        Assert.Equal(200, (await owner.APIRequest.GetAsync(ownerUrl + "/export.zip")).Status);
        await owner.GetByTestId("room-delete").ClickAsync();
        await owner.GetByTestId("room-delete-confirm").ClickAsync();
        await Expect(owner.GetByTestId("room-missing")).ToBeVisibleAsync();
        await Expect(editor.GetByTestId("room-missing")).ToBeVisibleAsync();
        Assert.Equal(404, (await owner.APIRequest.GetAsync(ownerUrl + "/export.zip")).Status);
        Assert.Empty(dialogs);                                                                 // nothing typed ever ran
        await owner.CloseAsync();
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var (context, dir) in others)
        {
            await context.DisposeAsync();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
