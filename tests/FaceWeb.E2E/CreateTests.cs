using static System.FormattableString;
using SixLabors.ImageSharp.Processing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FaceWeb.E2E;

[Collection(EditCollection.Name)]
public sealed class CreateTests(EditFixture app)
{
    [Fact]
    public async Task Drawing_a_stroke_and_typing_a_caption_generates_a_face()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/create");
        await page.GetByTestId("caption").Locator("input").FillAsync("a smiling face");
        await page.Locator(".mud-tab", new() { HasText = "Sketch → face" }).ClickAsync();
        var canvas = await BrowserFixture.SketchCanvasAsync(page);
        var box = (await canvas.BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + 40, box.Y + 60);
        await page.Mouse.DownAsync();
        for (int i = 1; i <= 10; i++) await page.Mouse.MoveAsync(box.X + 40 + i * 15, box.Y + 60 + i * 10);
        await page.Mouse.UpAsync();
        await Expect(page.GetByTestId("sketch-undo")).ToBeEnabledAsync();   // the stroke reached the server

        await page.GetByLabel("Steps").FillAsync("6");
        await page.GetByTestId("create-generate").ClickAsync();
        await Expect(page.GetByTestId("create-image")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("create-slot")).ToContainTextAsync("step 6/6");
        await Expect(page.GetByTestId("create-slot")).ToContainTextAsync("text loss");
        await page.CloseAsync();
    }

    [Fact]
    public async Task A_face_made_from_text_opens_in_the_edit_page_and_the_sliders_move_it()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/create");
        await page.GetByTestId("caption").Locator("input").FillAsync("a smiling woman with blond hair");
        await page.GetByLabel("Faces").FillAsync("2");
        await page.GetByLabel("Steps").FillAsync("4");
        await page.GetByTestId("create-generate").ClickAsync();
        await Expect(page.GetByTestId("create-edit")).ToHaveCountAsync(2);
        await page.GetByTestId("create-edit").First.ClickAsync();

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/edit\\?latent="));
        await Expect(page.GetByTestId("edit-start-latent")).ToContainTextAsync("a smiling woman with blond hair");
        await page.Locator(".mud-tab", new() { HasText = "Sliders" }).ClickAsync();
        var slider = page.Locator("[data-testid=slider-tilt] input[type=range]");
        await BrowserFixture.PressEachAsync(slider, "ArrowRight", 10, i => page.GetByTestId("slider-tilt").GetByText(Invariant($"tilt = {0.1 * i:+0.0}")));
        await Expect(page.GetByTestId("edit-detail")).ToContainTextAsync("tilt +1.0");
        await page.CloseAsync();
    }

    /// <summary>A real public-domain photo from tests/data/photos (see its README).</summary>
    static byte[] Photo(string name)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string path = Path.Combine(d.FullName, "tests", "data", "photos", name);
            if (File.Exists(path)) return File.ReadAllBytes(path);
        }
        throw new FileNotFoundException($"{name}: tests/data/photos/{name} is missing from the checkout");
    }

    [Fact]
    public async Task An_uploaded_photo_is_aligned_reconstructed_with_its_identity_and_opens_for_editing()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/create");
        await page.Locator(".mud-tab", new() { HasText = "Photo → face" }).ClickAsync();
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "../../etc/passwd.png", MimeType = "image/png", Buffer = Photo("astronaut.png") });
        await Expect(page.GetByTestId("photo-name")).ToContainTextAsync("kB");
        await Expect(page.GetByTestId("face-choice")).ToHaveCountAsync(1);
        await page.GetByLabel("Steps").FillAsync("5");
        await page.GetByTestId("create-generate").ClickAsync();
        await Expect(page.GetByTestId("create-slot")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("create-slot").Nth(0)).ToContainTextAsync("aligned");
        await Expect(page.GetByTestId("create-slot").Nth(1)).ToContainTextAsync("identity");
        await page.GetByTestId("create-edit").ClickAsync();
        await Expect(page.GetByTestId("edit-start-latent")).ToContainTextAsync("uploaded photo");
        await page.GetByTestId("target").Locator("input").FillAsync("a smiling face");
        await page.GetByTestId("apply").ClickAsync();
        await Expect(page.GetByTestId("edit-detail")).ToContainTextAsync("channels");         // a global-direction edit of the photo
        await page.CloseAsync();
    }

    [Fact]
    public async Task Several_faces_offer_a_choice_and_none_or_a_bad_file_say_so()
    {
        // Two portraits side by side: two faces to pick from.
        byte[] pair;
        using (var a = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(Photo("astronaut.png")))
        using (var b = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(Photo("grace_hopper.jpg")))
        using (var both = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(a.Width + b.Width, Math.Max(a.Height, b.Height)))
        using (var ms = new MemoryStream())
        {
            both.Mutate(x => x.DrawImage(a, new SixLabors.ImageSharp.Point(0, 0), 1f).DrawImage(b, new SixLabors.ImageSharp.Point(a.Width, 0), 1f));
            SixLabors.ImageSharp.ImageExtensions.SaveAsJpeg(both, ms);
            pair = ms.ToArray();
        }
        var page = await app.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/create");
        await page.Locator(".mud-tab", new() { HasText = "Photo → face" }).ClickAsync();
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "pair.jpg", MimeType = "image/jpeg", Buffer = pair });
        await Expect(page.GetByTestId("face-choice")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("face-choice").Nth(0)).ToHaveAttributeAsync("data-selected", "true");
        await page.GetByTestId("face-choice").Nth(1).ClickAsync();
        await Expect(page.GetByTestId("face-choice").Nth(1)).ToHaveAttributeAsync("data-selected", "true");
        await page.GetByLabel("Steps").FillAsync("2");
        await page.GetByTestId("create-generate").ClickAsync();
        await Expect(page.GetByTestId("create-slot").Nth(0)).ToContainTextAsync("face 2, aligned");

        using (var card = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(200, 160, new SixLabors.ImageSharp.PixelFormats.Rgb24(128, 128, 128)))
        using (var ms = new MemoryStream())
        {
            SixLabors.ImageSharp.ImageExtensions.SaveAsPng(card, ms);
            await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "card.png", MimeType = "image/png", Buffer = ms.ToArray() });
        }
        await Expect(page.GetByTestId("create-error")).ToContainTextAsync("No face was found");
        await Expect(page.GetByTestId("face-choice")).ToHaveCountAsync(0);

        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "x.png", MimeType = "image/png", Buffer = "<svg/>"u8.ToArray() });
        await Expect(page.GetByTestId("create-error")).ToContainTextAsync("not a PNG, JPEG or WebP");
        await page.CloseAsync();
    }

    [Fact]
    public async Task The_compare_view_fills_every_applicable_method_and_offers_the_grid()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/compare");
        await page.GetByTestId("compare-target").Locator("input").FillAsync("a face with tilt");
        await page.GetByLabel("Optimisation steps").FillAsync("3");
        await page.GetByTestId("compare-run").ClickAsync();
        // source, global direction (the fixture pack has fs3), StyleCLIP and TediGAN optimisation, InterFaceGAN ("tilt"), GANSpace
        await Expect(page.GetByTestId("compare-cell")).ToHaveCountAsync(6);
        foreach (var method in new[] { "source", "global direction", "StyleCLIP optimisation", "TediGAN optimisation", "InterFaceGAN", "GANSpace" })
            await Expect(page.GetByTestId("compare-cell").Filter(new() { HasText = method })).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("compare-cell").First).ToContainTextAsync("identity 1.000");

        // The captioned grid is made when someone downloads it, not after every run.
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("compare-export").ClickAsync());
        Assert.Equal("faceweb-compare.png", download.SuggestedFilename);
        var png = await File.ReadAllBytesAsync(await download.PathAsync(), TestContext.Current.CancellationToken);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);

        var global = page.GetByTestId("compare-cell").Filter(new() { HasText = "global direction" });
        await global.GetByTestId("rerun").ClickAsync();
        await global.GetByTestId("rerun-value").Locator("input").FillAsync("5");
        await global.GetByTestId("rerun-go").ClickAsync();
        await Expect(global).ToContainTextAsync("α 5");
        await Expect(page.GetByTestId("compare-cell")).ToHaveCountAsync(6);
        await page.CloseAsync();
    }
}
