using System.Diagnostics;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.Identity;
using FaceWeb.Engine.Inversion;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>Photo → W+: the upload path (validation, fuzz, decompression bombs) and projection (alone and after e4e).</summary>
public sealed class InversionTests : IDisposable
{
    readonly StyleGan2Generator g = StyleGan2Generator.Load(Fixtures.File("stylegan2", "generator.pt"));
    CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => g.Dispose();

    static byte[] Encode(string kind, int w = 64, int h = 64, int seed = 1)
    {
        var rng = new Random(seed);
        using var img = new Image<Rgb24>(w, h);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img[x, y] = new Rgb24((byte)rng.Next(256), (byte)(x * 4), (byte)(y * 4));
        using var ms = new MemoryStream();
        if (kind == "png") img.SaveAsPng(ms); else if (kind == "jpeg") img.SaveAsJpeg(ms); else img.SaveAsWebp(ms);
        return ms.ToArray();
    }

    static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data) { c ^= b; for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1; }
        return ~c;
    }

    /// <summary>A valid PNG whose IHDR (with a correct CRC) claims <paramref name="side"/>×<paramref name="side"/> pixels.</summary>
    static byte[] Bomb(int side)
    {
        var png = Encode("png");
        void Put(int at, uint v) { png[at] = (byte)(v >> 24); png[at + 1] = (byte)(v >> 16); png[at + 2] = (byte)(v >> 8); png[at + 3] = (byte)v; }
        Put(16, (uint)side); Put(20, (uint)side);
        Put(29, Crc32(png.AsSpan(12, 17)));
        return png;
    }

    [Fact]
    public void Png_jpeg_and_webp_decode_to_the_generator_size_and_other_files_are_refused_clearly()
    {
        foreach (var kind in new[] { "png", "jpeg", "webp" })
        {
            using var t = ImageUpload.Decode(Encode(kind, 80, 50), 64);
            Assert.Equal([1, 3, 64, 64], t.shape);
            Assert.InRange(t.min().item<float>(), -1, 1);
            Assert.InRange(t.max().item<float>(), -1, 1);
        }
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => ImageUpload.Decode([], 64)).Message);
        Assert.Contains("not a PNG", Assert.Throws<ArgumentException>(() => ImageUpload.Decode("GIF89a......"u8.ToArray(), 64)).Message);
        Assert.Contains("10 MB", Assert.Throws<ArgumentException>(() => ImageUpload.Decode(new byte[ImageUpload.MaxBytes + 1], 64)).Message);
        Assert.Contains("at least 16", Assert.Throws<ArgumentException>(() => ImageUpload.Decode(Encode("png", 8, 8), 64)).Message);
    }

    [Fact]
    public void A_decompression_bomb_is_refused_from_its_header_before_any_pixel_buffer_is_allocated()
    {
        var bomb = Bomb(100_000);                                  // 10¹⁰ pixels declared in a ~13 kB file
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ArgumentException>(() => ImageUpload.Decode(bomb, 64));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("100000×100000", e.Message);
        Assert.True(allocated < 8 << 20, $"{allocated} bytes allocated while refusing");
    }

    [Fact]
    public void Two_thousand_malformed_uploads_end_in_an_image_or_a_clear_refusal_quickly()
    {
        var seeds = new[] { Encode("png"), Encode("jpeg"), Encode("webp") };
        var rng = new Random(20261126);
        int decoded = 0, refused = 0;
        double slowest = 0;
        for (int i = 0; i < 2000; i++)
        {
            var file = (byte[])seeds[i % 3].Clone();
            switch (i / 3 % 6)
            {
                case 0: for (int k = rng.Next(1, 20); k > 0; k--) file[rng.Next(file.Length)] = (byte)rng.Next(256); break;       // bit rot
                case 1: file = file[..rng.Next(1, file.Length)]; break;                                                           // truncated
                case 2: file = [.. file, .. "PK\u0003\u0004polyglot zip tail"u8.ToArray(), .. new byte[rng.Next(100)]]; break;   // polyglot
                case 3: file = [.. file[..12], .. Enumerable.Range(0, rng.Next(10, 3000)).Select(_ => (byte)rng.Next(256))]; break; // magic + garbage
                case 4: file = Bomb(rng.Next(4097, 1 << 20)); break;                                                               // oversized
                case 5: for (int k = 8; k < Math.Min(40, file.Length); k++) if (rng.Next(4) == 0) file[k] = (byte)rng.Next(256); break; // header noise
            }
            var sw = Stopwatch.StartNew();
            try
            {
                using var t = ImageUpload.Decode(file, 64);
                Assert.Equal([1, 3, 64, 64], t.shape);
                Assert.True(t.isfinite().all().item<bool>());
                decoded++;
            }
            catch (ArgumentException e) { Assert.False(string.IsNullOrWhiteSpace(e.Message)); refused++; }
            slowest = Math.Max(slowest, sw.Elapsed.TotalSeconds);
        }
        Assert.True(slowest < 2, $"slowest file took {slowest:F2} s");
        Assert.True(decoded > 100 && refused > 500, $"decoded {decoded}, refused {refused}");
    }

    [Fact]
    public void Projection_lowers_the_pixel_error_and_refining_an_encoder_start_improves_pixels_and_identity()
    {
        using var arcface = ArcFaceIdentity.Load(Fixtures.File("arcface", "ir_se50_w4.pth"));
        using var e4e = Encoder4Editing.Load(Fixtures.File("e4e", "e4e_w4.pt"));
        Tensor target;
        using (no_grad()) target = g.Synthesize(g.WPlusFromZ(randn([1, 64], generator: new Generator(12)), 0.7)).clamp(-1, 1);
        double Pixel(Tensor w) { using var _ = no_grad(); return (g.Synthesize(w) - target).square().mean().item<float>(); }
        double Identity(Tensor w) { using var _ = no_grad(); return arcface.Similarity(g.Synthesize(w), target).item<float>(); }

        var mean = Editing.TediGan.MeanStart(g);
        var fromMean = Projector.Run(g, target, mean, new ProjectionOptions(60, FrameEvery: 60), arcface, ct: Ct).Last();
        Assert.True(fromMean.Pixel < 0.5 * Pixel(mean), $"pixel error {Pixel(mean):F4} → {fromMean.Pixel:F4}");

        Tensor encoded;
        using (no_grad()) encoded = e4e.Invert(nn.functional.interpolate(target, [256, 256], mode: InterpolationMode.Bilinear, align_corners: false));
        var refined = Projector.Run(g, target, encoded, new ProjectionOptions(60, FrameEvery: 60), arcface, ct: Ct).Last();
        Assert.True(Pixel(refined.Latent!) < Pixel(encoded), $"pixels: encoder {Pixel(encoded):F4}, refined {Pixel(refined.Latent!):F4}");
        Assert.True(Identity(refined.Latent!) > Identity(encoded), $"identity: encoder {Identity(encoded):F4}, refined {Identity(refined.Latent!):F4}");
        Assert.Throws<ArgumentException>(() => Projector.Run(g, zeros(1, 3, 32, 32), mean, new ProjectionOptions(1), ct: Ct).ToList());
    }
}
