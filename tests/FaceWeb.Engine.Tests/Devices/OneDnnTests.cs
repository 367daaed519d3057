using TorchSharp;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

[CollectionDefinition(nameof(OneDnnSwitch), DisableParallelization = true)]
public sealed class OneDnnSwitch;

/// <summary>#19: the process-wide oneDNN switch SSA-GAN's training turns off (libtorch's AVX2 oneDNN backward-data
/// convolution returned NaN for small-channel convs on the build machines): off, the same convolution's gradients are
/// libtorch's native ones and agree with a float64 computation. Runs alone: the switch is process-wide.</summary>
[Collection(nameof(OneDnnSwitch))]
public sealed class OneDnnTests
{
    [Fact]
    public void Without_onednn_a_small_channel_conv_has_finite_gradients_that_match_float64()
    {
        Assert.True(TorchSetup.OneDnnEnabled);
        TorchSetup.OneDnnEnabled = false;
        try
        {
            Assert.False(TorchSetup.OneDnnEnabled);
            using var x = randn([8, 16, 16, 16], generator: new Generator(3)).requires_grad_(true);
            using var w = randn([3, 16, 3, 3], generator: new Generator(4)).requires_grad_(true);
            nn.functional.conv2d(x, w, padding: [1, 1]).square().sum().backward();
            using var x64 = x.detach().to(float64).requires_grad_(true);
            using var w64 = w.detach().to(float64).requires_grad_(true);
            nn.functional.conv2d(x64, w64, padding: [1, 1]).square().sum().backward();
            Assert.True(x.grad!.isfinite().all().item<bool>());
            Fixtures.AssertClose(x64.grad!.to(float32), x.grad!, "input gradient", tol: 1e-4, relativeOnly: true);
            Fixtures.AssertClose(w64.grad!.to(float32), w.grad!, "weight gradient", tol: 1e-4, relativeOnly: true);
        }
        finally { TorchSetup.OneDnnEnabled = true; }
        Assert.True(TorchSetup.OneDnnEnabled);
    }
}
