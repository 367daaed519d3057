using System.Formats.Tar;
using System.IO.Compression;
using FaceWeb.Engine.TextImage;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceWeb.Engine.Tests;

/// <summary>The default pack's training faces: filtering, labels and framing, from folders and from .tar.gz.</summary>
public sealed class FaceDatasetTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("faceweb-ds-").FullName;

    public void Dispose() => Directory.Delete(root, true);

    static byte[] Jpeg(int w, int h, Rgb24 fill, Rectangle? mark = null, Rgb24 markColour = default)
    {
        using var img = new Image<Rgb24>(w, h, fill);
        if (mark is { } m)
            for (int y = m.Top; y < m.Bottom; y++)
                for (int x = m.Left; x < m.Right; x++) img[x, y] = markColour;
        using var ms = new MemoryStream();
        img.SaveAsJpeg(ms, new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 95 });
        return ms.ToArray();
    }

    /// <summary>UTKFace: a, b (greyscale label), c (duplicate of a), d (label_ok 0). CelebA: x (blue square where the eyes are), y (grey pixels).</summary>
    Dictionary<string, byte[]> Files() => new()
    {
        ["utkface-128/labels.csv"] = "file,age,gender,race,greyscale,label_ok\na.jpg,25,male,White,0,1\nb.jpg,40,female,Asian,1,1\nc.jpg,30,male,Black,0,1\nd.jpg,200,male,White,0,0\n"u8.ToArray(),
        ["utkface-128/duplicates.txt"] = "a.jpg c.jpg\n"u8.ToArray(),
        ["utkface-128/images/a.jpg"] = Jpeg(128, 128, new Rgb24(200, 40, 40)),
        ["utkface-128/images/b.jpg"] = Jpeg(128, 128, new Rgb24(90, 90, 90)),
        ["utkface-128/images/c.jpg"] = Jpeg(128, 128, new Rgb24(200, 40, 40)),
        ["celeba10k-89x109/list_attr_celeba.txt"] = "2\nSmiling Male Eyeglasses\nx.jpg 1 -1 1\ny.jpg -1 1 -1\n"u8.ToArray(),
        // the eye midpoint (44,55) of CelebA's 89×109 frame lands at UTKFace's (62,36.5)/2 ≈ (31,18) at 64 px
        ["celeba10k-89x109/images/x.jpg"] = Jpeg(89, 109, new Rgb24(40, 160, 40), new Rectangle(40, 51, 8, 8), new Rgb24(20, 20, 230)),
        ["celeba10k-89x109/images/y.jpg"] = Jpeg(89, 109, new Rgb24(128, 128, 128)),
    };

    void WriteFolders()
    {
        foreach (var (name, bytes) in Files())
        {
            string path = Path.Combine(root, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
        }
    }

    void WriteTars()
    {
        foreach (var set in new[] { FaceDataset.Utk, FaceDataset.CelebA })
        {
            using var gz = new GZipStream(File.Create(Path.Combine(root, set + ".tar.gz")), CompressionLevel.Fastest);
            using var tar = new TarWriter(gz);
            foreach (var (name, bytes) in Files().Where(f => f.Key.StartsWith(set + "/", StringComparison.Ordinal)))
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes) });
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_filters_and_frames_both_sets(bool tarballs)
    {
        if (tarballs) WriteTars(); else WriteFolders();
        var faces = FaceDataset.Read(root, ct: TestContext.Current.CancellationToken);
        Assert.Equal(["a.jpg", "x.jpg"], faces.Select(f => f.Labels.Image).Order());   // b greyscale, c duplicate, d unusable, y grey pixels
        var a = faces.Single(f => f.Labels.Image == "a.jpg");
        Assert.Equal((25, "male"), (a.Labels.Age!.Value, a.Labels.Gender!));
        Assert.Equal(64 * 64 * 3, a.Pixels.Length);
        Assert.InRange(a.Pixels[0], 190, 210);
        var x = faces.Single(f => f.Labels.Image == "x.jpg");
        Assert.True(x.Labels.Attributes.SetEquals(["Smiling", "Eyeglasses"]));
        (int R, int G, int B) Px(int px, int py) { int i = (py * 64 + px) * 3; return (x.Pixels[i], x.Pixels[i + 1], x.Pixels[i + 2]); }
        Assert.True(Px(31, 18).B > 180 && Px(31, 18).G < 80, $"eye midpoint {Px(31, 18)}");      // the marked square
        Assert.True(Px(31, 40).G > 130 && Px(31, 40).B < 80, $"below the eyes {Px(31, 40)}");

        using var batch = FaceDataset.Batch(faces.OrderBy(f => f.Labels.Image).ToList());
        Assert.Equal([2, 3, 64, 64], batch.shape);
        Assert.InRange(batch.max().item<float>(), 0.5f, 1f);
        Assert.InRange(batch.min().item<float>(), -1f, -0.5f);
    }

    [Fact]
    public void Missing_sets_and_images_are_named()
    {
        Assert.Contains("neither", Assert.Throws<DirectoryNotFoundException>(() => FaceDataset.Read(root, ct: TestContext.Current.CancellationToken)).Message);
        WriteFolders();
        File.Delete(Path.Combine(root, "celeba10k-89x109", "images", "x.jpg"));
        Assert.Contains("x.jpg", Assert.Throws<FileNotFoundException>(() => FaceDataset.Read(root, ct: TestContext.Current.CancellationToken)).Message);
        File.WriteAllBytes(Path.Combine(root, "celeba10k-89x109", "images", "x.jpg"), [0xFF, 0xD8, 0xFF, 1, 2, 3]);
        Assert.Contains("x.jpg", Assert.Throws<InvalidDataException>(() => FaceDataset.Read(root, ct: TestContext.Current.CancellationToken)).Message);
    }

    [Fact]
    public void Mirroring_flips_about_half_of_a_batch()
    {
        var px = new byte[64 * 64 * 3];
        for (int y = 0; y < 64; y++) for (int x = 0; x < 32; x++) px[(y * 64 + x) * 3] = 255;         // red left half
        var sample = new FaceSample(new FaceLabels("s", "utk", new HashSet<string>()), px);
        using var batch = FaceDataset.Batch(Enumerable.Repeat(sample, 200).ToList(), new Random(3));
        int mirrored = Enumerable.Range(0, 200).Count(i => batch[i, 0, 0, 63].item<float>() > 0);
        Assert.InRange(mirrored, 70, 130);
    }
}
