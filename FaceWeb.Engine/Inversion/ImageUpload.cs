// Uploaded photos: refuse anything that is not a small PNG, JPEG or WebP before a pixel is decoded (magic bytes,
// header dimensions), then decode, centre-crop to a square and resize for the generator.
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Inversion;

public static class ImageUpload
{
    public const int MaxBytes = 10 * 1024 * 1024, MaxSide = 4096;
    /// <summary>The face detector and the aligner read photos at most this large (a 4096² photo is 200 MB as floats).</summary>
    public const int MaxDetectSide = 2048;

    /// <summary>Decoding uses a small buffer pool of its own, so a large upload's pixels go back to the system instead of
    /// staying pooled for the life of the process.</summary>
    static readonly Configuration Decoding = Configuration.Default.Clone();
    static ImageUpload() => Decoding.MemoryAllocator = SixLabors.ImageSharp.Memory.MemoryAllocator.Create(
        new SixLabors.ImageSharp.Memory.MemoryAllocatorOptions { MaximumPoolSizeMegabytes = 8 });

    /// <summary>"png", "jpeg" or "webp" from the first bytes, or null.</summary>
    public static string? Sniff(ReadOnlySpan<byte> b) =>
        b.Length >= 8 && b[0] == 0x89 && b[1] == (byte)'P' && b[2] == (byte)'N' && b[3] == (byte)'G' && b[4] == 0x0D && b[5] == 0x0A && b[6] == 0x1A && b[7] == 0x0A ? "png"
        : b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF ? "jpeg"
        : b.Length >= 12 && b[0] == (byte)'R' && b[1] == (byte)'I' && b[2] == (byte)'F' && b[3] == (byte)'F' && b[8] == (byte)'W' && b[9] == (byte)'E' && b[10] == (byte)'B' && b[11] == (byte)'P' ? "webp"
        : null;

    /// <summary>Validates and decodes an upload → [1,3,size,size] in [−1,1] (centre square, resized). Every refusal is an
    /// <see cref="ArgumentException"/> with a message for the user; the pixels are decoded only after the header passed.</summary>
    public static Tensor Decode(byte[] bytes, int size)
    {
        using var img = Load(bytes);
        int side = Math.Min(img.Width, img.Height);
        img.Mutate(c => c.Crop(new Rectangle((img.Width - side) / 2, (img.Height - side) / 2, side, side)).Resize(size, size, KnownResamplers.Lanczos3));
        using var scope = NewDisposeScope();
        return (ToTensor(img) / 127.5 - 1).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The same checks, then the whole photo as [1,3,H,W] RGB in 0..255 (what the face detector reads), scaled
    /// down to <see cref="MaxDetectSide"/> on its long side when larger.</summary>
    public static Tensor DecodeRgb255(byte[] bytes)
    {
        using var img = Load(bytes);
        int side = Math.Max(img.Width, img.Height);
        if (side > MaxDetectSide)
        {
            double f = (double)MaxDetectSide / side;
            img.Mutate(c => c.Resize(Math.Max(1, (int)Math.Round(img.Width * f)), Math.Max(1, (int)Math.Round(img.Height * f)), KnownResamplers.Lanczos3));
        }
        return ToTensor(img);
    }

    static Tensor ToTensor(Image<Rgb24> img)
    {
        var rgb = new byte[img.Width * img.Height * 3];
        img.CopyPixelDataTo(rgb);
        using var scope = NewDisposeScope();
        return tensor(rgb, [img.Height, img.Width, 3]).to(float32).permute(2, 0, 1).unsqueeze(0).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The checks that need no parsing (present, not empty, at most <see cref="MaxBytes"/>, PNG/JPEG/WebP magic
    /// bytes), so a caller can refuse a file before it waits for the engine; returns the kind. Decoding repeats them.</summary>
    public static string CheckFile(byte[]? bytes)
    {
        if (bytes is null) throw new ArgumentException("Choose a photo first.");
        if (bytes.Length == 0) throw new ArgumentException("The file is empty (0 bytes).");
        if (bytes.Length > MaxBytes) throw new ArgumentException($"The file is {bytes.Length / 1048576.0:0.0} MB; at most 10 MB is accepted.");
        return Sniff(bytes) ?? throw new ArgumentException("This is not a PNG, JPEG or WebP image.");
    }

    static Image<Rgb24> Load(byte[] bytes)
    {
        string kind = CheckFile(bytes);
        IImageInfo? info;
        try { info = Image.Identify(bytes); }
        catch (Exception e) when (e is not OutOfMemoryException) { throw new ArgumentException($"The {kind.ToUpperInvariant()} header is damaged ({e.GetType().Name})."); }
        if (info is null) throw new ArgumentException($"The {kind.ToUpperInvariant()} header could not be read.");
        if (info.Width < 16 || info.Height < 16) throw new ArgumentException($"The image is {info.Width}×{info.Height}; at least 16×16 is needed.");
        if (info.Width > MaxSide || info.Height > MaxSide) throw new ArgumentException($"The image is {info.Width}×{info.Height}; at most {MaxSide}×{MaxSide} is accepted.");
        try { return Image.Load<Rgb24>(Decoding, bytes); }
        catch (Exception e) when (e is not OutOfMemoryException) { throw new ArgumentException($"The {kind.ToUpperInvariant()} data is damaged ({e.GetType().Name})."); }
    }
}
