using static System.FormattableString;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FaceWeb.E2E;

[Collection(EditCollection.Name)]
public sealed class SlidersTests(EditFixture app)
{
    async Task<IPage> OpenSliders()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/edit");
        await page.Locator(".mud-tab", new() { HasText = "Sliders" }).ClickAsync();
        return page;
    }

    [Fact]
    public async Task Dragging_a_slider_streams_frames_that_change_the_image()
    {
        var page = await OpenSliders();
        var slider = page.Locator("[data-testid=slider-tilt] input[type=range]");
        await slider.FocusAsync();
        await slider.PressAsync("ArrowRight");
        var preview = page.GetByTestId("edit-preview");
        await Expect(page.GetByTestId("edit-detail")).ToContainTextAsync("tilt +0.1");
        string first = (await preview.GetAttributeAsync("src"))!;
        await BrowserFixture.PressEachAsync(slider, "ArrowRight", 19, i => page.GetByTestId("slider-tilt").GetByText(Invariant($"tilt = {0.1 * (i + 1):+0.0}")));
        await Expect(page.GetByTestId("edit-detail")).ToContainTextAsync("tilt +2.0");
        await Expect(preview).Not.ToHaveAttributeAsync("src", first);
        await page.GetByTestId("sliders-keep").ClickAsync();
        await Expect(page.GetByTestId("history-item")).ToHaveCountAsync(1);
        await page.CloseAsync();
    }

    [Fact]
    public async Task A_slider_learned_in_one_browser_appears_in_another()
    {
        var learner = await OpenSliders();
        var watcher = await OpenSliders();
        await Expect(watcher.GetByTestId("slider-tilt")).ToBeVisibleAsync();
        await Expect(watcher.GetByTestId("slider-glasses")).ToHaveCountAsync(0);

        await learner.GetByTestId("learn-attribute").Locator("input").FillAsync("glasses");
        await learner.GetByLabel("Samples").FillAsync("200");
        await learner.GetByTestId("learn").ClickAsync();
        await Expect(learner.GetByTestId("learn-message")).ToContainTextAsync("\"glasses\" learned", new() { Timeout = 60_000 });
        await Expect(watcher.GetByTestId("slider-glasses")).ToBeVisibleAsync();
        await Expect(learner.GetByTestId("slider-glasses")).ToBeVisibleAsync();

        await learner.GetByTestId("learn-attribute").Locator("input").FillAsync("Glasses");
        await learner.GetByTestId("learn").ClickAsync();
        await Expect(learner.GetByTestId("sliders-error")).ToContainTextAsync("already exists");
        await learner.CloseAsync();
        await watcher.CloseAsync();
    }
}
