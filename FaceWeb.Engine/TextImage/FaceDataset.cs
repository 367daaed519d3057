// The default pack's training faces: UTKFace (128 px tight crops) and CelebA-10k (aligned, 89×109) brought to one
// framing at 64 px, the framing training/prepare_data.py gives the generator's training set, with their labels.
using System.Formats.Tar;
using System.IO.Compression;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using static TorchSharp.torch;

namespace FaceWeb.Engine.TextImage;

/// <param name="Pixels">Size×Size RGB, row-major, interleaved (HWC).</param>
public sealed record FaceSample(FaceLabels Labels, byte[] Pixels);

public static class FaceDataset
{
    public const int Size = 64;
    public const string Utk = "utkface-128", CelebA = "celeba10k-89x109";

    // CelebA crop that shows what a UTKFace crop shows: eye midpoints (44,55) vs (62,36.5), eye distance 20 vs 52 px
    // (training/prepare_data.py measured them). The box is rounded to whole pixels here (≤ 0.7 px at 64 px).
    const double Scale = 52.0 / 20.0;
    static readonly Rectangle CelebABox = new((int)Math.Round(44.0 - 62.0 / Scale), (int)Math.Round(55.0 - 36.5 / Scale),
        (int)Math.Round(128.0 / Scale), (int)Math.Round(128.0 / Scale));

    /// <summary>
    /// Reads <c>utkface-128</c> and <c>celeba10k-89x109</c> under <paramref name="datasets"/>, each as a folder or a
    /// <c>.tar.gz</c>. UTKFace drops greyscale images, listed duplicates and rows with unusable labels; CelebA drops
    /// greyscale images. Either set may be absent, not both.
    /// </summary>
    public static List<FaceSample> Read(string datasets, IProgress<double>? progress = null, CancellationToken ct = default)
    {
        var result = new List<FaceSample>();
        bool any = false;
        if (Open(datasets, Utk) is { } utk)
        {
            any = true;
            var labels = FaceCaptions.ParseUtk(Lines(utk, "labels.csv", Utk), $"{Utk}/labels.csv");
            var dup = utk.TryGetValue("duplicates.txt", out var d)
                ? System.Text.Encoding.UTF8.GetString(d).Split('\n').SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)).ToHashSet()
                : [];
            var keep = labels.Where(l => !l.Greyscale && !dup.Contains(l.Image)).ToList();
            result.AddRange(Decode(utk, keep, Utk, null, progress, 0, 0.7, ct));
        }
        if (Open(datasets, CelebA) is { } celeba)
        {
            any = true;
            var labels = FaceCaptions.ParseCelebA(Lines(celeba, "list_attr_celeba.txt", CelebA), $"{CelebA}/list_attr_celeba.txt");
            result.AddRange(Decode(celeba, labels, CelebA, CelebABox, progress, 0.7, 0.3, ct));
        }
        if (!any) throw new DirectoryNotFoundException($"{datasets}: neither {Utk} nor {CelebA} (folder or .tar.gz) is there.");
        progress?.Report(1);
        return result;
    }

    static IEnumerable<FaceSample> Decode(Dictionary<string, byte[]> files, List<FaceLabels> labels, string set, Rectangle? box,
        IProgress<double>? progress, double from, double span, CancellationToken ct)
    {
        var samples = new FaceSample?[labels.Count];
        int done = 0;
        try
        {
            Parallel.For(0, labels.Count, new ParallelOptions { CancellationToken = ct }, i => DecodeOne(i));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        return samples.OfType<FaceSample>();

        void DecodeOne(int i)
        {
            if (!files.TryGetValue("images/" + labels[i].Image, out var jpg))
                throw new FileNotFoundException($"{set}: the labels list {labels[i].Image}, which is not in images/.");
            Image<Rgb24> img;
            try { img = Image.Load<Rgb24>(jpg); }
            catch (Exception e) when (e is ImageFormatException or UnknownImageFormatException)
            {
                throw new InvalidDataException($"{set}/images/{labels[i].Image}: not a readable image ({e.Message})", e);
            }
            using var _ = img;
            if (box is { } b) img.Mutate(x => x.Crop(Rectangle.Intersect(b, img.Bounds())));
            img.Mutate(x => x.Resize(Size, Size, KnownResamplers.Lanczos3));
            var px = new byte[Size * Size * 3];
            img.CopyPixelDataTo(px);
            if (!IsGrey(px)) samples[i] = new FaceSample(labels[i], px);
            if (Interlocked.Increment(ref done) % 1000 == 0) progress?.Report(from + span * done / labels.Count);
        }
    }

    /// <summary>Mean |R−G| + |G−B| under 2 grey levels: a greyscale photo stored as RGB.</summary>
    public static bool IsGrey(byte[] rgb)
    {
        double sum = 0;
        for (int i = 0; i < rgb.Length; i += 3) sum += Math.Abs(rgb[i] - rgb[i + 1]) + Math.Abs(rgb[i + 1] - rgb[i + 2]);
        return sum / (rgb.Length / 3) < 2.0;
    }

    static string[] Lines(Dictionary<string, byte[]> files, string name, string set) => files.TryGetValue(name, out var b)
        ? System.Text.Encoding.UTF8.GetString(b).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray()
        : throw new FileNotFoundException($"{set}: {name} is missing.");

    /// <summary>Every file of one set, by path inside the set, from its folder or its .tar.gz; null when neither exists.</summary>
    static Dictionary<string, byte[]>? Open(string datasets, string set)
    {
        string dir = Path.Combine(datasets, set), tgz = dir + ".tar.gz";
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (Directory.Exists(dir))
        {
            foreach (var f in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
                files[Path.GetRelativePath(dir, f).Replace('\\', '/')] = File.ReadAllBytes(f);
            return files;
        }
        if (!File.Exists(tgz)) return null;
        using var gz = new GZipStream(File.OpenRead(tgz), CompressionMode.Decompress);
        using var tar = new TarReader(gz);
        while (tar.GetNextEntry() is { } e)
        {
            if (e.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || e.DataStream is null) continue;
            string name = e.Name.StartsWith(set + "/", StringComparison.Ordinal) ? e.Name[(set.Length + 1)..] : e.Name;
            using var ms = new MemoryStream();
            e.DataStream.CopyTo(ms);
            files[name] = ms.ToArray();
        }
        return files;
    }

    /// <summary>A batch as [N,3,Size,Size] in [−1,1]; with <paramref name="augment"/>, each face is mirrored with probability ½.</summary>
    public static Tensor Batch(IReadOnlyList<FaceSample> batch, Random? augment = null)
    {
        var bytes = new byte[batch.Count * Size * Size * 3];
        for (int i = 0; i < batch.Count; i++) batch[i].Pixels.CopyTo(bytes, i * Size * Size * 3);
        using var scope = NewDisposeScope();
        var x = tensor(bytes, [batch.Count, Size, Size, 3]).permute(0, 3, 1, 2).to(float32) / 127.5 - 1;   // [N,3,S,S]
        if (augment is not null)
        {
            var flip = tensor(Enumerable.Range(0, batch.Count).Select(_ => augment.Next(2) == 1).ToArray()).view(-1, 1, 1, 1);
            x = where(flip, x.flip(3), x);
        }
        return x.contiguous().MoveToOuterDisposeScope();
    }
}
