using static System.FormattableString;
using static Microsoft.Playwright.Assertions;

namespace FaceWeb.E2E;

[Collection(EditCollection.Name)]
public sealed class EditPageTests(EditFixture app)
{
    [Fact]
    public async Task Typing_a_target_and_applying_shows_the_edit_and_dragging_alpha_streams_frames()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/edit");
        await page.GetByTestId("target").Locator("input").FillAsync("a smiling face");
        await page.GetByTestId("apply").ClickAsync();
        var preview = page.GetByTestId("edit-preview");
        await Expect(preview).ToBeVisibleAsync();
        await Expect(page.GetByTestId("edit-detail")).ToContainTextAsync("channels");
        await Expect(page.GetByTestId("history-item")).ToHaveCountAsync(1);
        string applied = (await preview.GetAttributeAsync("src"))!;

        var alpha = page.Locator("[data-testid=alpha] input[type=range]");
        await BrowserFixture.PressEachAsync(alpha, "ArrowRight", 8, i => page.GetByText(Invariant($"α = {0.9 + 0.1 * i:0.0}")));
        await Expect(preview).Not.ToHaveAttributeAsync("src", applied);
        await Expect(page.GetByTestId("edit-detail")).ToContainTextAsync("α 1.7");

        await page.Locator(".mud-tab", new() { HasText = "Optimisation" }).ClickAsync();
        await Expect(page.GetByTestId("in-domain")).ToContainTextAsync("needs the pack's encoder");   // the fixture pack has none: the paper's recipe
        await Expect(page.GetByTestId("in-domain").Locator("input")).ToBeDisabledAsync();
        await page.GetByLabel("Steps").FillAsync("4");
        await page.GetByTestId("id-lambda").Locator("input").FillAsync("0.5");
        await page.GetByTestId("optimize").ClickAsync();
        await Expect(page.GetByTestId("edit-detail")).ToContainTextAsync("step 4/4");
        await Expect(page.GetByTestId("edit-detail")).ToContainTextAsync("ID loss");
        await Expect(page.GetByTestId("edit-detail")).Not.ToContainTextAsync("in-domain");
        await page.CloseAsync();
    }

    [Fact]
    public async Task Discover_directions_moves_the_face_along_a_principal_direction_of_w()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/edit");
        await page.Locator(".mud-tab", new() { HasText = "Discover directions" }).ClickAsync();
        var alpha = page.Locator("[data-testid=direction-alpha] input[type=range]");
        await BrowserFixture.PressEachAsync(alpha, "ArrowRight", 5, i => page.GetByText(Invariant($"α = {0.1 * i:+0.0} σ")));
        await Expect(page.GetByTestId("edit-detail")).ToContainTextAsync("GANSpace · direction 0");
        await Expect(page.GetByTestId("edit-detail")).ToContainTextAsync("α +0.5σ");
        await page.GetByTestId("direction-keep").ClickAsync();
        await Expect(page.GetByTestId("history-item").First).ToContainTextAsync("GANSpace");
        await page.CloseAsync();
    }

    [Fact]
    public async Task A_mapper_trained_from_the_edit_page_appears_and_its_strength_previews_live()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/edit");
        await page.GetByTestId("target").Locator("input").FillAsync("a face with a beard");
        await page.Locator(".mud-tab", new() { HasText = "Mapper" }).ClickAsync();
        await page.GetByLabel("Training steps").FillAsync("4");
        var shipped = app.PackHashes();
        await page.GetByTestId("train-mapper-start").ClickAsync();
        await Expect(page.GetByTestId("train-mapper-message")).ToContainTextAsync("saved (mapper-", new() { Timeout = 60_000 });
        Assert.Equal(shipped, app.PackHashes());                        // trained from the UI: the shipped pack is untouched
        await Expect(page.GetByTestId("mapper-select")).ToBeVisibleAsync();
        var strength = page.Locator("[data-testid=strength] input[type=range]");
        await strength.FocusAsync();
        await strength.PressAsync("ArrowLeft");
        await Expect(page.GetByTestId("edit-detail")).ToContainTextAsync("a face with a beard");
        await Expect(page.GetByTestId("edit-detail")).ToContainTextAsync("strength 0.95");
        await page.CloseAsync();
    }

    [Fact]
    public async Task Painting_a_region_restricts_an_optimisation_that_still_runs_to_the_end()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/edit");
        await page.GetByTestId("target").Locator("input").FillAsync("a face with red hair");
        await page.Locator(".mud-tab", new() { HasText = "Optimisation" }).ClickAsync();
        await page.GetByText("Only change a painted region").ClickAsync();
        var canvas = await BrowserFixture.SketchCanvasAsync(page);
        var box = (await canvas.BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + 30, box.Y + 30);
        await page.Mouse.DownAsync();
        for (int i = 1; i <= 8; i++) await page.Mouse.MoveAsync(box.X + 30 + i * 24, box.Y + 30);
        await page.Mouse.UpAsync();
        await Expect(page.GetByTestId("sketch-undo")).ToBeEnabledAsync();
        await page.GetByLabel("Steps").FillAsync("3");
        await page.GetByTestId("optimize").ClickAsync();
        await Expect(page.GetByTestId("edit-detail")).ToContainTextAsync("step 3/3");
        await page.CloseAsync();
    }
}
