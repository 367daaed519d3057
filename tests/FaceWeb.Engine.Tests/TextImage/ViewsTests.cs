using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>#18 item 1: random views of a generated image for the text loss — reproducible, differentiable, close to
/// the image (crops of 75–100 %, mirrored, a little noise).</summary>
public sealed class ViewsTests
{
    [Fact]
    public void Views_are_reproducible_crops_and_mirrors_through_which_gradients_flow()
    {
        var x = (rand(2, 3, 64, 64, generator: new Generator(1)) * 2 - 1).requires_grad_(true);
        var a = TextImageSpaces.Views(x, 4, new Generator(7));
        Assert.Equal([8, 3, 64, 64], a.shape);
        Assert.Equal(0, (TextImageSpaces.Views(x, 4, new Generator(7)) - a).abs().max().item<float>());
        Assert.True((TextImageSpaces.Views(x, 4, new Generator(8)) - a).abs().mean().item<float>() > 0.05, "another generator, other views");
        a.sum().backward();
        Assert.True(x.grad!.abs().sum().item<float>() > 0, "views are differentiable");

        // A flat image stays flat (up to the noise): the views move pixels, they do not invent them.
        using var flat = full(1, 3, 32, 32, 0.25f);
        var v = TextImageSpaces.Views(flat, 8, new Generator(3));
        Assert.InRange((v - 0.25).abs().mean().item<float>(), 0.01, 0.04);
        // Each view stays near its own image: a top-to-bottom ramp and its negative (both mirror-symmetric).
        using var _ = no_grad();
        var ramp = linspace(-1, 1, 64).view(1, 1, 64, 1).expand(1, 3, 64, 64);
        var pair = cat([ramp, -ramp], 0);
        var pv = TextImageSpaces.Views(pair, 4, new Generator(5));
        for (int i = 0; i < 8; i++)
        {
            double own = (pv[i] - pair[i / 4]).abs().mean().item<float>(), other = (pv[i] - pair[1 - i / 4]).abs().mean().item<float>();
            Assert.True(own < 0.3 && own < other / 3, $"view {i}: {own:F3} from its image, {other:F3} from the other");
        }
        Assert.Throws<ArgumentException>(() => TextImageSpaces.Views(x, 0, new Generator(1)));
    }
}
