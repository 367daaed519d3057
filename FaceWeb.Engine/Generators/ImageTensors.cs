using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Generators;

/// <summary>Generator output (NCHW float32, ≈ [−1,1]) to 8-bit RGB and PNG.</summary>
public static class ImageTensors
{
    /// <summary>[3,H,W] or [1,3,H,W] in [−1,1] → H·W·3 bytes (clamped, rounded).</summary>
    public static byte[] ToRgb24(Tensor image)
    {
        using var scope = NewDisposeScope();
        var x = image.dim() == 4 ? image[0] : image;
        if (x.dim() != 3 || x.shape[0] != 3) throw new ArgumentException($"expected [3,H,W], got [{string.Join(",", image.shape)}]");
        var hwc = x.detach().to(float32).add(1).mul(127.5).round().clamp(0, 255).to(ScalarType.Byte).permute(1, 2, 0).contiguous().cpu();   // quantised on the device, 1/4 of the bytes cross
        return hwc.bytes.ToArray();
    }

    public static byte[] ToPng(Tensor image) => ToRgbImage(image).Png();

    /// <summary>Images [N,3,H,W] in [−1,1] → the mean colour of the face region in 0–255 levels [N,3]: the middle half of
    /// each frame, where the packs' framing puts the face (issue 18's colour measure; the mappers' colour term).</summary>
    public static Tensor FaceColour(Tensor images)
    {
        long h = images.shape[2], w = images.shape[3];
        var face = images[.., .., TensorIndex.Slice(h / 4, h - h / 4), TensorIndex.Slice(w / 4, w - w / 4)];
        return (face.clamp(-1, 1).mean([2, 3]) + 1) * 127.5;
    }

    /// <summary>[3,H,W] or [1,3,H,W] → its 8-bit pixels, to be PNG-encoded later (e.g. off the engine thread).</summary>
    public static RgbImage ToRgbImage(Tensor image)
    {
        var x = image.dim() == 4 ? image[0] : image;
        return new RgbImage(ToRgb24(x), (int)x.shape[2], (int)x.shape[1]);
    }

    /// <summary>An image [1,3,H,W] in [−1,1] with a mask [1,1,H,W] in [0,1] laid over it in red (half opacity where the mask
    /// is 1): where SSA-GAN's text acted. → PNG</summary>
    public static byte[] MaskOverlayPng(Tensor image, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var rgb = image.detach().to(float32).add(1).div(2).clamp(0, 1);
        var m = mask.detach().to(float32).clamp(0, 1) * 0.5;
        var red = tensor(new float[] { 1, 0, 0 }, device: rgb.device).view(1, 3, 1, 1);
        return ToPng(((1 - m) * rgb + m * red) * 2 - 1);
    }

    /// <summary>[N,3,H,W] → one PNG grid with <paramref name="columns"/> columns.</summary>
    public static byte[] GridPng(Tensor images, int columns)
    {
        using var scope = NewDisposeScope();
        long n = images.shape[0], h = images.shape[2], w = images.shape[3];
        int cols = (int)Math.Min(columns, n), rows = (int)((n + cols - 1) / cols);
        var canvas = ones([3, rows * h, cols * w]);  // white padding where the grid is not full
        for (int i = 0; i < n; i++)
        {
            long r = i / cols, c = i % cols;
            canvas[.., TensorIndex.Slice(r * h, (r + 1) * h), TensorIndex.Slice(c * w, (c + 1) * w)] = images[i].detach().cpu().to(float32);
        }
        return ToPng(canvas);
    }

    /// <summary>A PNG/JPEG/WebP file or bytes → grey levels [1,1,H,W] in [0,1] (transparent pixels count as white, the
    /// canvas colour of a sketch). The header is checked before any pixel is decoded: at most <paramref name="maxSide"/> px a side.</summary>
    public static Tensor LoadGrey(byte[] bytes, int maxSide = 4096)
    {
        var info = Image.Identify(bytes) ?? throw new ArgumentException("not an image FaceWeb can read (PNG, JPEG or WebP)");
        if (info.Width < 1 || info.Height < 1 || info.Width > maxSide || info.Height > maxSide)
            throw new ArgumentException($"the image is {info.Width}×{info.Height}; at most {maxSide}×{maxSide} is accepted");
        using var img = Image.Load<Rgba32>(bytes);
        var grey = new float[img.Width * img.Height];
        img.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    var p = row[x];
                    float luma = (0.299f * p.R + 0.587f * p.G + 0.114f * p.B) / 255f, a = p.A / 255f;
                    grey[y * row.Length + x] = a * luma + (1 - a);
                }
            }
        });
        return tensor(grey, [1, 1, img.Height, img.Width]);
    }
}

/// <summary>An image's 8-bit RGB pixels (row-major, H·W·3), e.g. a frame the engine rendered, not yet encoded.</summary>
public sealed record RgbImage(byte[] Rgb, int Width, int Height)
{
    public byte[] Png()
    {
        using var img = Image.LoadPixelData<Rgb24>(Rgb, Width, Height);
        using var ms = new MemoryStream();
        img.SaveAsPng(ms);
        return ms.ToArray();
    }
}
