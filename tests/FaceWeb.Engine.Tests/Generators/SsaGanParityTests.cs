using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Generators.SsaGan;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>#19: the SSA-GAN port against the reference code (wtliao/text2image model.py) at its 256 px architecture,
/// ngf 8 and 16, random weights (the zero-initialised affine layers included), eval-mode batch norm with non-trivial
/// running statistics. Fixture: tests/reference/ssagan_fixture.py (kept in the repository, 23 MB).</summary>
public sealed class SsaGanParityTests
{
    static string Fixture(string file) => Path.Combine(AppContext.BaseDirectory, "fixtures", "ssagan", file);

    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    public void Every_stage_mask_block_output_and_the_image_match_the_reference(int ngf)
    {
        using var g = NetG.Load(Fixture($"netG_ngf{ngf}.pth"));
        Assert.Equal(256, g.Config.Size);
        Assert.Equal(SsaGanConfig.Reference(ngf).Blocks, g.Config.Blocks);
        using var expected = CheckpointReader.Load(Fixture($"outputs_ngf{ngf}.pth"));
        using var _ = no_grad();
        var blocks = new List<Tensor>();
        using var result = g.Forward(expected["noise"], expected["sent"], blocks);
        for (int i = 0; i < result.Masks.Count; i++)
        {
            var m = result.Masks[i];
            Fixtures.AssertClose(expected[$"mask_{m.shape[2]}"], m, $"mask at {m.shape[2]} px");
        }
        Assert.Equal(7, blocks.Count);
        for (int i = 0; i < blocks.Count; i++)
        {
            long s = Math.Max(1, blocks[i].shape[2] / 16);
            var sub = blocks[i][.., .., TensorIndex.Slice(null, null, s), TensorIndex.Slice(null, null, s)];
            Fixtures.AssertClose(expected[$"block{i}"], sub, $"block {i}");
            blocks[i].Dispose();
        }
        Fixtures.AssertClose(expected["image"], result.Image, "image");
    }

    [Fact]
    public void The_discriminator_features_and_conditional_logits_match_the_reference()
    {
        using var d = NetD.Load(Fixture("netD_ngf8.pth"));
        using var expected = CheckpointReader.Load(Fixture("outputs_ngf8.pth"));
        using var _ = no_grad();
        using var features = d.Features(expected["image"]);
        Fixtures.AssertClose(expected["d_features"], features, "features");
        using var logits = d.Logits(features, expected["sent"]);
        Fixtures.AssertClose(expected["d_logits"], logits, "logits");
    }

    [Fact]
    public void A_checkpoint_that_is_not_ssagan_or_does_not_fit_is_refused_by_name()
    {
        var e = Assert.Throws<CheckpointException>(() => NetG.Load(Fixture("netD_ngf8.pth")));
        Assert.Contains("not an SSA-GAN generator", e.Message);
    }
}
