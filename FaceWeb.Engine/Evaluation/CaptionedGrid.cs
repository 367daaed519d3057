// A grid of images with a caption under each (the compare view's export). SkiaSharp draws the text.
using SkiaSharp;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Evaluation;

public static class CaptionedGrid
{
    /// <summary>Images [3,H,W] or [1,3,H,W] in [−1,1], each with caption lines under it → PNG. Cells are scaled to
    /// <paramref name="cell"/> px; <paramref name="columns"/> per row.</summary>
    public static byte[] Png(IReadOnlyList<Tensor> images, IReadOnlyList<IReadOnlyList<string>> captions, int columns, int cell = 256) =>
        Png(images.Select(Generators.ImageTensors.ToPng).ToList(), captions, columns, cell);

    /// <summary>The same from encoded images (PNG or JPEG bytes).</summary>
    public static byte[] Png(IReadOnlyList<byte[]> images, IReadOnlyList<IReadOnlyList<string>> captions, int columns, int cell = 256)
    {
        if (images.Count == 0 || images.Count != captions.Count) throw new ArgumentException("one caption list per image is needed");
        const int lineHeight = 16, pad = 6;
        int lines = captions.Max(c => c.Count);
        int cols = Math.Min(columns, images.Count), rows = (images.Count + cols - 1) / cols;
        int cellH = cell + pad + lines * lineHeight + pad;
        using var surface = SKSurface.Create(new SKImageInfo(cols * cell, rows * cellH, SKColorType.Rgba8888, SKAlphaType.Opaque));   // opaque: the PNG has no alpha channel
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var font = new SKFont(SKTypeface.Default, 12);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var smooth = new SKPaint { IsAntialias = true };
        for (int i = 0; i < images.Count; i++)
        {
            int x = i % cols * cell, y = i / cols * cellH;
            using var bitmap = SKBitmap.Decode(images[i]) ?? throw new ArgumentException($"image {i} is not a PNG or JPEG");
            canvas.DrawBitmap(bitmap, new SKRect(x, y, x + cell, y + cell), smooth);
            for (int k = 0; k < captions[i].Count; k++)
                canvas.DrawText(Fit(captions[i][k], font, cell - 2 * pad), x + pad, y + cell + pad + (k + 1) * lineHeight - 4, SKTextAlign.Left, font, ink);
        }
        using var pixels = surface.PeekPixels();
        using var data = pixels.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.AllFilters, 9)) ?? throw new InvalidOperationException("PNG encoding failed");
        return data.ToArray();
    }

    static string Fit(string text, SKFont font, float width)
    {
        if (font.MeasureText(text) <= width) return text;
        while (text.Length > 1 && font.MeasureText(text + "…") > width) text = text[..^1];
        return text + "…";
    }
}
