using FaceWeb.Engine.FaceApi;
using FaceWeb.Engine.Inversion;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>face-api.js detection and landmarks against the npm package (bench/faceapi-reference/reference.html), and
/// alignment: landmarks found again on an aligned output sit where the framing puts them.</summary>
public sealed class FaceAlignmentTests(ITestOutputHelper output)
{
    static Tensor Load(string file)
    {
        using var img = Image.Load<Rgb24>(file);
        var px = new byte[img.Width * img.Height * 3];
        img.CopyPixelDataTo(px);
        return tensor(px, [1, img.Height, img.Width, 3]).permute(0, 3, 1, 2).to(float32);
    }

    static string Photo(string name) => Path.Combine(Repository.Photos(), name);

    [Fact]
    public void The_tiny_detector_matches_the_npm_package_on_the_astronaut()
    {
        using var det = TinyFaceDetector.Load(Repository.FaceApiModels());
        var x = Load(Photo("astronaut.png"));
        var raw = det.Forward(x);
        Assert.Equal([1, 25, 16, 16], raw.shape);
        Assert.Equal(-19061.73828125, raw.sum().item<float>(), 0);
        Fixtures.AssertClose(tensor(new[] { 0.6735621094703674f, 0.7273262739181519f, -0.13906699419021606f, -0.3049015402793884f, -9.818877220153809f }),
            raw[0, .., 0, 0][..5], "first cell", 1e-3);
        var faces = det.Detect(x, 512);
        var f = Assert.Single(faces);
        Assert.Equal((158.68, 68.82, 127.06, 121.56, 0.926), (Math.Round(f.X, 2), Math.Round(f.Y, 2), Math.Round(f.Width, 2), Math.Round(f.Height, 2), Math.Round(f.Score, 3)));
        Assert.Empty(det.Detect(zeros(1, 3, 300, 200) + 128, 320));                     // a grey card: no face
    }

    [Fact]
    public void Landmarks_match_the_npm_package()
    {
        using var net = FaceLandmarks68.Load(Repository.FaceApiModels());
        var d = new float[3 * 112 * 112];
        for (int y = 0; y < 112; y++)
            for (int x = 0; x < 112; x++) { d[y * 112 + x] = (2 * x + y) % 256; d[112 * 112 + y * 112 + x] = 2 * y % 256; d[2 * 112 * 112 + y * 112 + x] = x * y % 256; }
        var o = net.Forward(tensor(d, [1, 3, 112, 112]));
        Assert.Equal([1, 68, 2], o.shape);
        Fixtures.AssertClose(tensor(new[] { 0.3536813259124756f, 0.516511857509613f, 0.4376413822174072f, 0.5890034437179565f }), o.view(-1)[..4], "first landmarks", 1e-4);
        Assert.Equal(71.61539459228516, o.sum().item<float>(), 2);
    }

    [Theory]
    [InlineData("astronaut.png", FaceFraming.UtkFace, 128)]
    [InlineData("grace_hopper.jpg", FaceFraming.UtkFace, 128)]
    [InlineData("astronaut.png", FaceFraming.Ffhq, 256)]
    [InlineData("grace_hopper.jpg", FaceFraming.Ffhq, 256)]
    public void Aligned_faces_have_their_landmarks_where_the_framing_puts_them(string file, FaceFraming framing, int size)
    {
        string models = Repository.FaceApiModels();
        using var det = TinyFaceDetector.Load(models);
        using var lm = FaceLandmarks68.Load(models);
        var photo = Load(Photo(file));
        var face = det.Detect(photo).OrderByDescending(f => f.Width * f.Height).First();
        var points = lm.Detect(photo, face);
        var quad = Alignment.QuadFor(points, framing);
        var aligned = Alignment.Warp(photo, quad, size);
        Assert.Equal([1, 3, size, size], aligned.shape);

        // Where the framing should put the eye and mouth centres, in output pixels.
        var (l, r, m) = Alignment.KeyPoints(points);
        var expected = new[] { l, r, m }.Select(p => { var (u, v) = quad.Output(p.X, p.Y); return (X: u * size, Y: v * size); }).ToArray();
        if (framing == FaceFraming.UtkFace)
            for (int i = 0; i < 3; i++)
                Assert.True(Dist(expected[i], (Alignment.UtkTargets[i].X * size, Alignment.UtkTargets[i].Y * size)) < 0.06 * size, $"fit {i}: {expected[i]}");

        // Find them again on the aligned output: detector (or the whole square for a tight crop), then landmarks.
        var again = det.Detect(aligned, 320).OrderByDescending(f => f.Width * f.Height).FirstOrDefault() ?? new FaceBox(0, 0, size, size, 1);
        var (l2, r2, m2) = Alignment.KeyPoints(lm.Detect(aligned, again));
        double[] errors = [Dist(l2, expected[0]), Dist(r2, expected[1]), Dist(m2, expected[2])];
        output.WriteLine($"{file} {framing} {size}px: landmark errors {string.Join(", ", errors.Select(e => e.ToString("F2")))} px; eyes tilt {Math.Atan2(r2.Y - l2.Y, r2.X - l2.X) * 180 / Math.PI:F1}°");
        Assert.All(errors, e => Assert.True(e < 0.03 * size, $"{e:F2} px"));
    }

    static double Dist((double X, double Y) a, (double X, double Y) b) => Math.Sqrt(Math.Pow(a.X - b.X, 2) + Math.Pow(a.Y - b.Y, 2));
}
