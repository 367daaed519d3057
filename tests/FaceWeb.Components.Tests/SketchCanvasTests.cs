using System.Runtime.CompilerServices;
using FaceWeb.Components.Create;
using FaceWeb.Components.Shared;
using FaceWeb.Components.Services;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace FaceWeb.Components.Tests;

public sealed class SketchCanvasTests : BunitContext
{
    readonly FakeCreate fake = new();

    public SketchCanvasTests()
    {
        Pages.SetUp(this, s => s
            .AddSingleton<ICreateService>(fake));
    }

    [Fact]
    public async Task A_stroke_dragged_far_off_the_canvas_is_clamped_to_it_and_oversized_strokes_are_refused()
    {
        var cut = Render<SketchCanvas>();
        var c = cut.Instance;
        await cut.InvokeAsync(() => c.AddStroke("pen", 5, [0.5, 0.5, 1e9 / 256, -3, 0.2, double.MaxValue]));
        var stroke = Assert.Single(c.Strokes);
        Assert.All(stroke.Points, p => Assert.InRange(p, 0, 1));
        Assert.Equal([0.5, 0.5, 1, 0, 0.2, 1], stroke.Points);
        Assert.True(stroke.Size <= 0.25);
        var sketch = c.Export(64);                                         // rasterised on the canvas only
        Assert.Equal(64 * 64, sketch.Length);
        await cut.InvokeAsync(() => c.AddStroke("pen", 0.02, new double[SketchCanvas.MaxPoints + 2]));
        await cut.InvokeAsync(() => c.AddStroke("pen", 0.02, [0.1, double.PositiveInfinity]));
        Assert.Single(c.Strokes);
    }

    [Fact]
    public async Task Strokes_undo_redo_and_clear_and_clear_is_undoable()
    {
        int changes = 0;
        var cut = Render<SketchCanvas>(p => p.Add(x => x.OnChanged, () => changes++));
        var c = cut.Instance;
        await cut.InvokeAsync(() => c.AddStroke("pen", 0.02, [0.1, 0.1, 0.9, 0.9]));
        await cut.InvokeAsync(() => c.AddStroke("pen", 0.02, [0.1, 0.9, 0.9, 0.1]));
        Assert.Equal(2, c.Strokes.Count);
        await cut.InvokeAsync(c.Undo);
        Assert.Single(c.Strokes);
        await cut.InvokeAsync(c.Redo);
        Assert.Equal(2, c.Strokes.Count);
        await cut.InvokeAsync(c.Clear);
        Assert.True(c.IsEmpty);
        await cut.InvokeAsync(c.Redo);
        await cut.InvokeAsync(c.Redo);
        Assert.Equal(2, c.Strokes.Count);
        await cut.InvokeAsync(() => c.AddStroke("pen", 0.02, [0.5, 0.5]));
        await cut.InvokeAsync(c.Redo);                                     // a new stroke ends the redo history
        Assert.Equal(3, c.Strokes.Count);
        Assert.Equal(8, changes);                                         // 3 strokes, undo, redo, clear, 2 redos
        await cut.InvokeAsync(() => c.AddStroke("brush?", 0.02, [0.5, 0.5]));
        await cut.InvokeAsync(() => c.AddStroke("pen", double.NaN, [0.5, 0.5]));
        await cut.InvokeAsync(() => c.AddStroke("pen", 0.02, [0.5]));
        Assert.Equal(3, c.Strokes.Count);                                  // malformed strokes from the client are ignored
    }

    [Fact]
    public async Task Export_rasterises_pen_and_eraser_at_any_size()
    {
        var cut = Render<SketchCanvas>();
        var c = cut.Instance;
        Assert.All(c.Export(64), v => Assert.Equal(1f, v));
        await cut.InvokeAsync(() => c.AddStroke("pen", 0.1, [0.1, 0.5, 0.9, 0.5]));      // a horizontal bar, 10 % thick
        foreach (int size in new[] { 64, 256 })
        {
            var px = c.Export(size);
            Assert.Equal(size * size, px.Length);
            Assert.Equal(0f, px[size / 2 * size + size / 2]);                            // on the line
            Assert.Equal(1f, px[size / 8 * size + size / 2]);                            // far above it
            double inked = px.Count(v => v == 0) / (double)px.Length;
            Assert.InRange(inked, 0.06, 0.11);                                           // ≈ 0.8 long × 0.1 thick
        }
        await cut.InvokeAsync(() => c.AddStroke("eraser", 0.2, [0.5, 0.5]));
        Assert.Equal(1f, c.Export(64)[32 * 64 + 32]);
        Assert.Throws<ArgumentOutOfRangeException>(() => c.Export(0));
    }

    [Fact]
    public async Task The_create_page_sends_the_sketch_at_the_pack_resolution_and_shows_the_frames()
    {
        var cut = Render<CreatePage>();
        cut.Find("[data-testid=caption] input").Input("a smiling face");
        await cut.InvokeAsync(() => cut.FindComponent<MudTabs>().Instance.ActivatePanelAsync(1, false));
        await cut.InvokeAsync(() => cut.Find("[data-testid=create-generate]").Click());
        Assert.Contains("Draw a sketch", cut.Find("[data-testid=create-error]").TextContent);

        await cut.InvokeAsync(() => cut.FindComponent<SketchCanvas>().Instance.AddStroke("pen", 0.05, [0.2, 0.2, 0.8, 0.8]));
        await cut.InvokeAsync(() => cut.Find("[data-testid=create-generate]").Click());
        cut.WaitForAssertion(() => Assert.Contains("step 2", cut.Find("[data-testid=create-slot]").TextContent));
        var r = Assert.Single(fake.Sketches);
        Assert.Equal((64, 64 * 64, "a smiling face"), (r.Size, r.Sketch.Length, r.Caption));
        Assert.Contains(r.Sketch, v => v == 0);
        Assert.Single(cut.FindAll("[data-testid=create-slot]"));
    }

    [Fact]
    public async Task A_loaded_bitmap_becomes_strokes_that_export_back_to_it_and_can_be_erased()
    {
        var cut = Render<SketchCanvas>();
        var c = cut.Instance;
        await cut.InvokeAsync(() => c.AddStroke("pen", 0.05, [0.2, 0.2, 0.8, 0.8]));
        var bitmap = await fake.SketchOfAsync([], Xunit.TestContext.Current.CancellationToken);
        await cut.InvokeAsync(() => c.Load(bitmap, 64));
        Assert.Equal(bitmap, c.Export(64));                                              // pixel for pixel, the old drawing gone
        Assert.All(c.Strokes, s => Assert.Equal(("pen", 1 / 64.0), (s.Tool, s.Size)));
        int runs = c.Strokes.Count;
        await cut.InvokeAsync(c.Undo);                                                    // one row run at a time
        Assert.Equal(runs - 1, c.Strokes.Count);
        Assert.InRange(c.Export(64).Count(v => v == 0), 1, bitmap.Count(v => v == 0) - 1);
        await cut.InvokeAsync(() => c.AddStroke("eraser", 0.1, [0.5, 0.5 - 20 / 64.0]));     // rub out the top of the ring
        Assert.Equal(1f, c.Export(64)[(32 - 20) * 64 + 32]);
        await Assert.ThrowsAsync<ArgumentException>(() => c.Load(new float[10], 64));
    }

    [Fact]
    public async Task Sketch_this_face_puts_the_results_sketch_on_the_canvas_and_opens_the_sketch_tab()
    {
        var cut = Render<CreatePage>();
        await cut.InvokeAsync(() => cut.FindComponent<MudTabs>().Instance.ActivatePanelAsync(1, false));
        await cut.InvokeAsync(() => cut.FindComponent<SketchCanvas>().Instance.AddStroke("pen", 0.05, [0.2, 0.2, 0.8, 0.8]));
        await cut.InvokeAsync(() => cut.Find("[data-testid=create-generate]").Click());
        cut.WaitForAssertion(() => Assert.Contains("step 2", cut.Find("[data-testid=create-slot]").TextContent));
        await cut.InvokeAsync(() => cut.FindComponent<MudTabs>().Instance.ActivatePanelAsync(0, false));
        await cut.InvokeAsync(() => cut.Find("[data-testid=create-sketch-this]").Click());
        Assert.Contains("Sketch", cut.Find(".mud-tab-active").TextContent);
        Assert.Equal(await fake.SketchOfAsync([], Xunit.TestContext.Current.CancellationToken), cut.FindComponent<SketchCanvas>().Instance.Export(64));
    }

    sealed class FakeCreate : ICreateService
    {
        public List<SketchToFaceRequest> Sketches { get; } = [];
        public Task<CreateCapabilities> GetCapabilitiesAsync(CancellationToken ct = default) => Task.FromResult(new CreateCapabilities(64, true, false, null));
        public IAsyncEnumerable<CreateFrame> TextToFaceAsync(TextToFaceRequest request, CancellationToken ct = default) => throw new NotSupportedException();
        public async IAsyncEnumerable<CreateFrame> SketchToFaceAsync(SketchToFaceRequest request, [EnumeratorCancellation] CancellationToken ct = default)
        {
            Sketches.Add(request);
            for (int i = 1; i <= 2; i++) { await Task.Yield(); yield return new CreateFrame(0, [1, 2], $"step {i}", i / 2.0); }
        }
        /// <summary>A face's sketch: a 64×64 ring (radius 20 around the centre, 1 px), ink 0 on paper 1.</summary>
        public Task<float[]> SketchOfAsync(byte[] png, CancellationToken ct = default) =>
            Task.FromResult(Enumerable.Range(0, 64 * 64).Select(i => Math.Abs(Math.Sqrt((i % 64 - 31.5) * (i % 64 - 31.5) + (i / 64 - 31.5) * (i / 64 - 31.5)) - 20) < 0.7 ? 0f : 1f).ToArray());
        public IAsyncEnumerable<CompareResult> CompareAsync(CompareRequest request, CancellationToken ct = default) => throw new NotSupportedException();
        public IAsyncEnumerable<CreateFrame> InvertAsync(InvertRequest request, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<PhotoFaces> FindFacesAsync(byte[] photo, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<byte[]> ExportCompareAsync(IReadOnlyList<CompareResult> cells, CancellationToken ct = default) => throw new NotSupportedException();
    }
}
