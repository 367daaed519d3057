using FaceWeb.Engine.FaceApi;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>face-api.js's SSD MobileNet v1 detector against the npm package on tfjs's CPU backend in headless Chromium
/// (bench/faceapi-reference/reference.html prints every number here).</summary>
public sealed class SsdMobilenetV1Tests
{
    static Tensor Load(string file)
    {
        using var img = Image.Load<Rgb24>(Path.Combine(Repository.Photos(), file));
        var px = new byte[img.Width * img.Height * 3];
        img.CopyPixelDataTo(px);
        return tensor(px, [1, img.Height, img.Width, 3]).permute(0, 3, 1, 2).to(float32);
    }

    [Fact]
    public void Scores_boxes_and_faces_match_the_npm_package_on_the_astronaut()
    {
        using var ssd = SsdMobilenetV1.Load(Repository.FaceApiModels());
        using var scope = NewDisposeScope();
        var x = Load("astronaut.png");                                                      // 512 × 512: no resize
        var (boxes, scores) = ssd.Forward(x);
        Assert.Equal([1, 5118, 4], boxes.shape);
        Assert.Equal(44.5926, scores.sum().item<float>(), 2);
        Assert.Equal(10223.67, boxes.sum().item<float>(), 0);
        var top = scores[0].argsort(descending: true)[..3].data<long>().ToArray();
        Assert.Equal([620L, 617L, 713L], top);
        Fixtures.AssertClose(tensor(new[] { 0.9648423194885254f, 0.9505141973495483f, 0.9489048719406128f }), scores[0][tensor(top)], "top scores", 1e-4);
        Fixtures.AssertClose(tensor(new[] { 0.14230594038963318f, 0.35374629497528076f, 0.3409821391105652f, 0.5163973569869995f }), boxes[0, 620], "best box", 1e-4);

        var face = Assert.Single(ssd.Detect(x));
        Assert.Equal((181.12, 72.86, 83.28, 101.72, 0.9648), (Math.Round(face.X, 2), Math.Round(face.Y, 2), Math.Round(face.Width, 2), Math.Round(face.Height, 2), Math.Round(face.Score, 4)));
    }

    [Fact]
    public void A_photo_that_is_not_square_is_padded_and_resized_as_the_npm_package_does()
    {
        using var ssd = SsdMobilenetV1.Load(Repository.FaceApiModels());
        var face = Assert.Single(ssd.Detect(Load("grace_hopper.jpg")));                   // 512 × 600 → 600² → 512²
        Assert.Equal(0.99896, face.Score, 3);
        Assert.Equal((168.96, 123.39, 183.29, 204.31), (face.X, face.Y, face.Width, face.Height), Near(1.0));
    }

    [Fact]
    public void A_grey_card_and_noise_have_no_face()
    {
        using var ssd = SsdMobilenetV1.Load(Repository.FaceApiModels());
        Assert.Empty(ssd.Detect(zeros(1, 3, 300, 200) + 128));
        var g = new Generator(0);
        Assert.Empty(ssd.Detect(rand([1, 3, 512, 512], generator: g) * 255));
    }

    static IEqualityComparer<(double, double, double, double)> Near(double px) => EqualityComparer<(double, double, double, double)>.Create(
        (a, b) => Math.Abs(a.Item1 - b.Item1) <= px && Math.Abs(a.Item2 - b.Item2) <= px && Math.Abs(a.Item3 - b.Item3) <= px && Math.Abs(a.Item4 - b.Item4) <= px);
}
