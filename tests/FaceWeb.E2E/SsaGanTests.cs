using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FaceWeb.E2E;

/// <summary>#19: SSA-GAN on the default pack (it ships one): Create's third text → face method and Compare's text → face mode.</summary>
public sealed class SsaGanTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    /// <summary>#19: SSA-GAN as Create's third text → face method: faces in one pass, no "Edit this face" (no StyleGAN
    /// latent), and the toggle that lays where the text acted over each face.</summary>
    [Fact]
    public async Task Ssagan_text_to_face_shows_faces_and_where_the_text_acted()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/create");
        await page.GetByTestId("caption").Locator("input").FillAsync("an old man with a grey beard");
        await page.GetByTestId("text-method").Locator(".mud-select").First.ClickAsync();
        await page.Locator(".mud-list-item", new() { HasText = "SSA-GAN, one pass" }).ClickAsync();
        await Expect(page.GetByTestId("text-method")).ToContainTextAsync("SSA-GAN");
        await page.GetByLabel("Faces").FillAsync("2");
        await page.GetByTestId("create-generate").ClickAsync();
        await Expect(page.GetByTestId("create-image")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("create-slot").First).ToContainTextAsync("SSA-GAN, one pass");
        await Expect(page.GetByTestId("create-edit")).ToHaveCountAsync(0);
        var plain = await page.GetByTestId("create-image").First.GetAttributeAsync("src");
        await page.GetByTestId("mask-toggle").Locator("input").ClickAsync();
        await Expect(page.GetByTestId("create-image").First).ToHaveAttributeAsync("data-overlay", "true");
        Assert.NotEqual(plain, await page.GetByTestId("create-image").First.GetAttributeAsync("src"));
    }

    /// <summary>#19: Compare's text → face mode puts SSA-GAN beside attributes from the caption, TediGAN-style optimisation and the prior, each with its
    /// text score and time; the mask toggle shows where SSA-GAN's text acted.</summary>
    [Fact]
    public async Task Compare_text_to_face_shows_ssagan_beside_optimisation_and_the_prior()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/compare");
        await page.GetByTestId("compare-mode").Locator(".mud-select").First.ClickAsync();
        await page.Locator(".mud-list-item", new() { HasText = "Text → face methods" }).ClickAsync();
        await Expect(page.GetByTestId("compare-neutral")).ToHaveCountAsync(0);
        await page.GetByTestId("compare-target").Locator("input").FillAsync("a smiling young woman");
        await page.GetByLabel("Optimisation steps").FillAsync("2");
        await page.GetByTestId("compare-run").ClickAsync();
        await Expect(page.GetByTestId("compare-cell")).ToHaveCountAsync(4);
        await Expect(page.GetByTestId("compare-cell").Nth(0)).ToContainTextAsync("attribute sliders from the caption");
        await Expect(page.GetByTestId("compare-cell").Nth(1)).ToContainTextAsync("TediGAN-style optimisation");
        await Expect(page.GetByTestId("compare-cell").Nth(2)).ToContainTextAsync("text → W prior");
        await Expect(page.GetByTestId("compare-cell").Nth(3)).ToContainTextAsync("SSA-GAN");
        await Expect(page.GetByTestId("compare-cell").Nth(3)).ToContainTextAsync("text ");
        await page.GetByTestId("compare-mask-toggle").Locator("input").ClickAsync();
        await Expect(page.GetByTestId("compare-cell").Nth(3).Locator("img")).ToHaveAttributeAsync("data-overlay", "true");
        await Expect(page.GetByTestId("compare-cell").Nth(0).Locator("img")).ToHaveAttributeAsync("data-overlay", "false");
    }
}
