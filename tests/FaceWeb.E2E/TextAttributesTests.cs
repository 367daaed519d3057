using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FaceWeb.E2E;

/// <summary>#18: text → face by attributes on Create (the default method, one pass by default): each face says what was
/// read from the caption, and the faces can be edited.</summary>
public sealed class TextAttributesTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Create_reads_gender_age_and_smile_from_the_caption()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/create");
        await Expect(page.GetByTestId("text-method")).ToContainTextAsync("Attribute sliders from the caption");
        await Expect(page.GetByTestId("attributes-note")).ToContainTextAsync("gender, age and smile");
        await page.GetByTestId("caption").Locator("input").FillAsync("an old man who is smiling");
        await page.GetByLabel("Faces").FillAsync("2");
        await Expect(page.GetByLabel("Steps")).ToHaveValueAsync("0");                      // one pass: measured best (ADR 0014)
        await page.GetByTestId("create-generate").ClickAsync();
        await Expect(page.GetByTestId("create-image")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("create-slot").First).ToContainTextAsync("read: male +4.0σ, smiling +4.0σ, age +0.0σ + mapper \"old person\" ×1.5");
        await Expect(page.GetByTestId("create-edit")).ToHaveCountAsync(2);
        await page.Locator(".mud-tab", new() { HasText = "Sketch → face" }).ClickAsync();
        await Expect(page.GetByLabel("Steps")).ToHaveValueAsync("100");                    // each tab keeps its own steps
    }
}
