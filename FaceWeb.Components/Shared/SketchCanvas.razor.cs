using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace FaceWeb.Components.Shared;

/// <summary>One stroke in canvas-relative coordinates (0–1); <see cref="Size"/> is the line width as a fraction of the width.</summary>
public sealed record SketchStroke(string Tool, double Size, double[] Points);

/// <summary>A drawing surface: the JS module draws while the pointer moves; this component owns the strokes (undo,
/// redo, clear) and exports a grey bitmap at any resolution.</summary>
public partial class SketchCanvas
{
    [Parameter] public int DisplaySize { get; set; } = 256;
    /// <summary>An image (data URL) under transparent paper: the canvas then paints a region (translucent red) over it.</summary>
    [Parameter] public string? Background { get; set; }
    /// <summary>Raised after every stroke, undo, redo and clear.</summary>
    [Parameter] public EventCallback OnChanged { get; set; }

    ElementReference canvas;
    IJSObjectReference? module;
    DotNetObjectReference<SketchCanvas>? self;
    readonly List<SketchStroke> strokes = [];
    readonly Stack<SketchStroke> redo = new();
    bool erasing;
    double brush = 0.02;

    public IReadOnlyList<SketchStroke> Strokes => strokes;
    public bool IsEmpty => strokes.Count == 0;
    /// <summary>Limits on what one browser may send: a long stroke has a few hundred points.</summary>
    internal const int MaxPoints = 4_000, MaxStrokes = 2_000;   // 4 000 numbers = 2 000 points

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender) return;
        module = await JS.InvokeAsync<IJSObjectReference>("import", "./_content/FaceWeb.Components/sketchCanvas.js");
        self = DotNetObjectReference.Create(this);
        await module.InvokeVoidAsync("attach", canvas, self, Background is not null);
    }

    [JSInvokable]
    public Task AddStroke(string tool, double size, double[] points)
    {
        if (points.Length < 2 || points.Length % 2 != 0 || points.Length > MaxPoints || tool is not ("pen" or "eraser") || !double.IsFinite(size) || size <= 0
            || strokes.Count >= MaxStrokes || points.Any(p => !double.IsFinite(p)))
            return Task.CompletedTask;
        // Points are fractions of the canvas: a stroke dragged far outside it is drawn along its edge, not rasterised out there.
        strokes.Add(new SketchStroke(tool, Math.Min(size, 0.25), points.Select(p => Math.Clamp(p, 0, 1)).ToArray()));
        redo.Clear();
        return Changed(redraw: false);
    }

    public Task Undo()
    {
        if (strokes.Count == 0) return Task.CompletedTask;
        redo.Push(strokes[^1]);
        strokes.RemoveAt(strokes.Count - 1);
        return Changed(redraw: true);
    }

    public Task Redo()
    {
        if (redo.Count == 0) return Task.CompletedTask;
        strokes.Add(redo.Pop());
        return Changed(redraw: true);
    }

    public Task Clear()
    {
        if (strokes.Count == 0) return Task.CompletedTask;
        for (int i = strokes.Count - 1; i >= 0; i--) redo.Push(strokes[i]);   // clear is undoable stroke by stroke
        strokes.Clear();
        return Changed(redraw: true);
    }

    /// <summary>Replaces the drawing with a bitmap's lines (size×size grey levels, ink below 0.5): each run of ink pixels in
    /// a row becomes one pen stroke one pixel wide, so <see cref="Export"/> at that size gives the bitmap back and the
    /// lines can be erased and drawn over like any others. Undo does not bring the old drawing back.</summary>
    public Task Load(float[] grey, int size)
    {
        if (size < 1 || size > 1024 || grey.Length != size * size) throw new ArgumentException("a sketch is size×size grey levels");
        var loaded = new List<SketchStroke>();
        for (int y = 0; y < size && loaded.Count < MaxStrokes; y++)
            for (int x = 0; x < size; x++)
            {
                if (grey[y * size + x] >= 0.5f) continue;
                int end = x;
                while (end + 1 < size && grey[y * size + end + 1] < 0.5f) end++;
                double cy = (y + 0.5) / size;
                loaded.Add(new SketchStroke("pen", 1.0 / size, [(x + 0.5) / size, cy, (end + 0.5) / size, cy]));
                if (loaded.Count == MaxStrokes) break;
                x = end;
            }
        strokes.Clear();
        strokes.AddRange(loaded);
        redo.Clear();
        return Changed(redraw: true);
    }

    async Task SetEraser(bool on) { erasing = on; await SyncTool(); }
    async Task SetBrush(double v) { brush = v; await SyncTool(); }
    Task SyncTool() => module is null ? Task.CompletedTask : module.InvokeVoidAsync("setTool", canvas, erasing ? "eraser" : "pen", brush).AsTask();

    async Task Changed(bool redraw)
    {
        if (redraw && module is not null) await module.InvokeVoidAsync("redraw", canvas, strokes);
        await OnChanged.InvokeAsync();
        StateHasChanged();
    }

    /// <summary>The drawing as size×size grey levels, row-major, 1 = white paper, 0 = ink: each stroke is stamped as discs
    /// along its segments (pen = 0, eraser = 1), in drawing order; a tap of a thin pen still inks its pixel.</summary>
    public float[] Export(int size)
    {
        if (size < 1 || size > 4096) throw new ArgumentOutOfRangeException(nameof(size), "the export size must be 1–4096");
        var px = new float[size * size];
        Array.Fill(px, 1f);
        foreach (var s in strokes)
        {
            float ink = s.Tool == "eraser" ? 1 : 0;
            double r = Math.Max(0.5, s.Size * size / 2);
            for (int i = 0; i < s.Points.Length; i += 2)
            {
                double x1 = s.Points[i] * size, y1 = s.Points[i + 1] * size;
                double x0 = i >= 2 ? s.Points[i - 2] * size : x1, y0 = i >= 2 ? s.Points[i - 1] * size : y1;
                int n = Math.Max(1, (int)Math.Ceiling(Math.Sqrt((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)) / (r / 2)));
                for (int k = 0; k <= n; k++) Stamp(px, size, x0 + (x1 - x0) * k / n, y0 + (y1 - y0) * k / n, r, ink);
            }
        }
        return px;
    }

    static void Stamp(float[] px, int size, double cx, double cy, double r, float ink)
    {
        // The pixel under the pen always takes the ink: a stroke thinner than a pixel at this size still leaves its trace.
        px[Math.Clamp((int)cy, 0, size - 1) * size + Math.Clamp((int)cx, 0, size - 1)] = ink;
        for (int y = Math.Max(0, (int)(cy - r)); y <= Math.Min(size - 1, (int)(cy + r)); y++)
            for (int x = Math.Max(0, (int)(cx - r)); x <= Math.Min(size - 1, (int)(cx + r)); x++)
                if ((x + 0.5 - cx) * (x + 0.5 - cx) + (y + 0.5 - cy) * (y + 0.5 - cy) <= r * r) px[y * size + x] = ink;
    }

    /// <summary>The painted region as a mask: size×size, 1 where painted, 0 elsewhere.</summary>
    public float[] ExportMask(int size) => Export(size).Select(v => 1 - v).ToArray();

    public async ValueTask DisposeAsync()
    {
        if (module is not null)
        {
            try { await module.DisposeAsync(); } catch (JSDisconnectedException) { }
        }
        self?.Dispose();
        GC.SuppressFinalize(this);
    }
}
