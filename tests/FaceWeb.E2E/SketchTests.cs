using FaceWeb.Engine;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators;
using FaceWeb.Engine.Inversion;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static TorchSharp.torch;

namespace FaceWeb.E2E;

/// <summary>#20: sketch → face with the default pack's sketch encoder in Chromium: a drawn face comes back as a face
/// that follows its lines, "Sketch this face" round-trips, and drawings with nothing to follow are refused.</summary>
public sealed class SketchTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    static string DefaultPack()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "models", "faceweb-mini", "manifest.json"))) return Path.Combine(d.FullName, "models", "faceweb-mini");
        throw new DirectoryNotFoundException("models/faceweb-mini");
    }

    static async Task<IPage> SketchTab(IPage page)
    {
        await page.Locator(".mud-tab", new() { HasText = "Sketch → face" }).ClickAsync();
        await BrowserFixture.SketchCanvasAsync(page);
        return page;
    }

    /// <summary>Drags the pen through points given as fractions of the canvas.</summary>
    static async Task Stroke(IPage page, params (double X, double Y)[] points)
    {
        var box = (await page.GetByTestId("sketch-canvas").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync((float)(box.X + points[0].X * box.Width), (float)(box.Y + points[0].Y * box.Height));
        await page.Mouse.DownAsync();
        foreach (var (x, y) in points.Skip(1)) await page.Mouse.MoveAsync((float)(box.X + x * box.Width), (float)(box.Y + y * box.Height), new() { Steps = 3 });
        await page.Mouse.UpAsync();
    }

    static (double, double)[] Ellipse(double cx, double cy, double rx, double ry, double from = 0, double to = 2 * Math.PI, int n = 32) =>
        Enumerable.Range(0, n + 1).Select(i => from + (to - from) * i / n).Select(t => (cx + rx * Math.Cos(t), cy + ry * Math.Sin(t))).ToArray();

    /// <summary>The canvas as the browser shows it, as grey levels [1,1,H,W] (1 = paper).</summary>
    static async Task<Tensor> Drawing(IPage page)
    {
        string url = await page.GetByTestId("sketch-canvas").EvaluateAsync<string>("c => c.toDataURL('image/png')");
        return ImageTensors.LoadGrey(Convert.FromBase64String(url[(url.IndexOf(',') + 1)..]));
    }

    static async Task<Tensor> Result(IPage page)
    {
        string src = (await page.GetByTestId("create-image").First.GetAttributeAsync("src"))!;
        return ImageUpload.Decode(Convert.FromBase64String(src[(src.IndexOf(',') + 1)..]), 64);
    }

    [Fact]
    public async Task A_drawn_face_becomes_a_face_that_follows_its_lines_and_sketch_this_face_round_trips()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/create");
        await SketchTab(page);
        await Stroke(page, Ellipse(0.5, 0.52, 0.3, 0.4));                                     // the outline
        await Stroke(page, Ellipse(0.38, 0.42, 0.06, 0.03));                                  // eyes
        await Stroke(page, Ellipse(0.62, 0.42, 0.06, 0.03));
        await Stroke(page, (0.5, 0.45), (0.47, 0.58), (0.53, 0.58));                           // nose
        await Stroke(page, Ellipse(0.5, 0.64, 0.12, 0.06, 0.2, Math.PI - 0.2, 12));           // a smile
        await Expect(page.GetByTestId("sketch-undo")).ToBeEnabledAsync();
        await page.GetByTestId("create-steps").Locator("input").FillAsync("0");
        await page.GetByTestId("create-generate").ClickAsync();
        await Expect(page.GetByTestId("create-slot")).ToContainTextAsync("sketch encoder, one pass");
        await Expect(page.GetByTestId("create-edit")).ToHaveCountAsync(1);                    // a StyleGAN face: it can be edited

        // The face follows the drawing: its lines lie nearer the strokes than those of the pack's random faces.
        using var drawing = await Drawing(page);
        using var face = await Result(page);
        double mine = FaceSketch.Follows(drawing, face);
        using var engine = FaceEngine.FromPack(DefaultPack());
        var others = new List<double>();
        using (no_grad())
            for (int seed = 0; seed < 8; seed++)
            {
                using var other = engine.Generator.Synthesize(engine.SeedWPlus(seed, 0.7));
                others.Add(FaceSketch.Follows(drawing, other));
            }
        Assert.True(mine < others.Order().ElementAt(2), $"lines {mine:F2} px from the drawing; random faces {string.Join(", ", others.Order().Select(o => o.ToString("F2")))}");

        // Sketch this face: its lines replace the drawing; drawn again, they give back (nearly) the same face.
        // (The tab and the undo button were already as they end up, so the test waits for the canvas itself to change.)
        var drawn = await page.GetByTestId("sketch-canvas").EvaluateAsync<string>("c => c.toDataURL('image/png')");
        await page.GetByTestId("create-sketch-this").ClickAsync();
        await page.WaitForFunctionAsync("before => document.querySelector('[data-testid=sketch-canvas]').toDataURL('image/png') !== before", drawn);
        await Expect(page.Locator(".mud-tab-active")).ToContainTextAsync("Sketch");
        using var faceSketch = FaceSketch.Render(face);
        await Expect(page.GetByTestId("sketch-undo")).ToBeEnabledAsync();
        using var shown = await Drawing(page);
        Assert.True(FaceSketch.Chamfer(shown, faceSketch, 64) < 0.5, $"the canvas shows the face's sketch ({FaceSketch.Chamfer(shown, faceSketch, 64):F2} px off)");
        var before = await page.GetByTestId("create-image").First.GetAttributeAsync("src");
        await page.GetByTestId("create-generate").ClickAsync();
        await Expect(page.GetByTestId("create-image").First).Not.ToHaveAttributeAsync("src", before!);
        using var again = await Result(page);
        double roundTrip = (again - face).abs().mean().item<float>();
        using var random = engine.Generator.Synthesize(engine.SeedWPlus(3, 0.7));
        double apart = (random - face).abs().mean().item<float>();
        Assert.True(roundTrip < 0.6 * apart, $"round trip moved the face by {roundTrip:F3}; another face is {apart:F3} away");
    }

    [Fact]
    public async Task An_empty_canvas_a_dot_and_a_black_canvas_get_a_message_not_a_face()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/create");
        await SketchTab(page);
        await page.GetByTestId("create-generate").ClickAsync();
        await Expect(page.GetByTestId("create-error")).ToContainTextAsync("Draw a sketch first");

        await Stroke(page, (0.5, 0.5));
        await page.GetByTestId("create-generate").ClickAsync();
        await Expect(page.GetByTestId("create-error")).ToContainTextAsync("only a dot");
        await Expect(page.GetByTestId("create-image")).ToHaveCountAsync(0);

        var size = page.GetByTestId("sketch-size").Locator("input[type=range]");
        await size.FocusAsync();
        await size.PressAsync("End");                                                          // the widest pen
        for (int row = 0; row <= 14; row++) await Stroke(page, (0, row / 14.0), (1, row / 14.0));
        await page.GetByTestId("create-generate").ClickAsync();
        await Expect(page.GetByTestId("create-error")).ToContainTextAsync("mostly ink");
        await Expect(page.GetByTestId("create-image")).ToHaveCountAsync(0);
    }
}
