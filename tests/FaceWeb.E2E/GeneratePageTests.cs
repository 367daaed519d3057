using static System.FormattableString;
using static Microsoft.Playwright.Assertions;

namespace FaceWeb.E2E;

public sealed class GeneratePageTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Moving_the_truncation_slider_streams_new_frames()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/");
        var face = page.GetByTestId("face");
        await Expect(face).ToBeVisibleAsync();
        await Expect(page.GetByTestId("pack")).ToContainTextAsync("faceweb-mini");
        string first = (await face.GetAttributeAsync("src"))!;
        Assert.StartsWith("data:image/png;base64,", first);

        // Keyboard: each arrow press is an input event on the range; the page asks for a new frame each time.
        var slider = page.Locator("[data-testid=truncation] input[type=range]");
        await BrowserFixture.PressEachAsync(slider, "ArrowRight", 10, i => page.GetByText(Invariant($"Truncation ψ = {0.7 + 0.01 * i:0.00}")));
        await Expect(face).Not.ToHaveAttributeAsync("src", first);
        string afterKeys = (await face.GetAttributeAsync("src"))!;

        // Mouse drag across the slider: frames arrive while dragging.
        var box = (await slider.BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + box.Width * 0.66f, box.Y + box.Height / 2);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + box.Width * 0.1f, box.Y + box.Height / 2, new() { Steps = 12 });
        await page.Mouse.UpAsync();
        await Expect(face).Not.ToHaveAttributeAsync("src", afterKeys);
        await page.CloseAsync();
    }

    [Fact]
    public async Task Random_seed_changes_the_face_and_download_offers_a_png()
    {
        var page = await app.NewPageAsync();
        var consoleErrors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") consoleErrors.Add(m.Text); };
        await page.GotoAsync(app.BaseUrl + "/");
        var face = page.GetByTestId("face");
        await Expect(face).ToBeVisibleAsync();
        string first = (await face.GetAttributeAsync("src"))!;
        await page.GetByTestId("random").ClickAsync();
        await Expect(face).Not.ToHaveAttributeAsync("src", first);
        var download = page.GetByTestId("download");
        await Expect(download).ToHaveAttributeAsync("download", new System.Text.RegularExpressions.Regex(@"^faceweb-seed\d+-psi0\.70\.png$"));
        // The README's screenshot comes from this run (bin/.../generate-page.png).
        await page.SetViewportSizeAsync(1000, 680);
        await page.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "generate-page.png") });
        Assert.DoesNotContain(consoleErrors, e => e.Contains("Content Security Policy", StringComparison.Ordinal));   // nothing the CSP blocked
        await page.CloseAsync();
    }

    [Fact]
    public async Task The_default_pack_edits_with_free_text_out_of_the_box()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/edit");
        await page.GetByTestId("target").Locator("input").FillAsync("a face with blond hair");
        await page.GetByTestId("apply").ClickAsync();
        await Expect(page.GetByTestId("edit-detail")).ToContainTextAsync("channels");       // a global direction in FaceCLIP-mini's space
        await Expect(page.GetByTestId("edit-unavailable")).ToHaveCountAsync(0);
        await page.CloseAsync();
    }

    [Fact]
    public async Task A_20000_character_prompt_is_cut_with_a_message_and_the_page_keeps_working()
    {
        var page = await app.NewPageAsync();
        var closed = false;
        page.WebSocket += (_, ws) => ws.Close += (_, _) => closed = true;
        await page.GotoAsync(app.BaseUrl + "/edit");
        var target = page.GetByTestId("target").Locator("input");
        await target.FillAsync(new string('x', 20_000));                  // pasted: the browser keeps the first 500
        Assert.Equal(500, (await target.InputValueAsync()).Length);
        await Expect(page.GetByTestId("target")).ToContainTextAsync("At most 500 characters");
        await target.FillAsync("a face with blond hair");
        await page.GetByTestId("apply").ClickAsync();
        await Expect(page.GetByTestId("edit-detail")).ToContainTextAsync("channels");   // the circuit is still up
        Assert.False(closed, "the websocket was closed");
        await page.CloseAsync();
    }
}
