using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Generators.StyleGan2;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>Parity with rosinality's Generator: ../shared/fixtures/stylegan2/io.safetensors.</summary>
public sealed class StyleGan2ParityTests : IDisposable
{
    readonly StyleGan2Generator g;
    readonly Dictionary<string, Tensor> io;

    public StyleGan2ParityTests()
    {
        g = StyleGan2Generator.Load(Fixtures.File("stylegan2", "generator.pt"));
        io = SafeTensors.Load(Fixtures.File("stylegan2", "io.safetensors"));
    }

    public void Dispose()
    {
        g.Dispose();
        foreach (var t in io.Values) t.Dispose();
    }

    [Fact]
    public void Infers_the_fixture_config_from_shapes()
    {
        Assert.Equal(64, g.Config.Size);
        Assert.Equal(64, g.Config.StyleDim);
        Assert.Equal(3, g.Config.NMlp);
        Assert.Equal(10, g.Config.NLatent);
        Assert.Equal([64, 64, 48, 32, 24], g.Config.Channels.OrderBy(kv => kv.Key).Select(kv => kv.Value));
        Assert.Equal(14, g.Layers.Count);
        Assert.Equal([1, 4, 7, 10, 13], g.Layers.Where(l => l.IsToRgb).Select(l => l.Index));
    }

    /// <summary>fs3's shortcut: a synthesis paused before a layer, then resumed with that layer's and later styles
    /// moved, is the whole synthesis of the moved styles; 40 images also take the chunked path (32 per pass).</summary>
    [Fact]
    public void A_paused_synthesis_resumed_with_later_styles_moved_equals_the_whole_synthesis()
    {
        using var _ = no_grad();
        var s = g.Styles(g.Broadcast(g.Map(randn([40, 64], generator: new Generator(3)))));
        foreach (int layer in new[] { 0, 1, 2, 5, 13, 14 })
        {
            using var paused = g.SynthesizeUntil(s, layer);
            Assert.Equal(layer, paused.Next);
            var moved = s.Select(t => t.clone()).ToList();
            for (int k = layer; k < moved.Count; k++) moved[k][.., 0].add_(3);
            using var whole = g.SynthesizeStyles(moved);
            using var resumed = g.SynthesizeFrom(paused, moved);
            Fixtures.AssertClose(whole, resumed, $"resumed before layer {layer}", tol: 1e-5);
            if (layer < 14) Assert.True((g.SynthesizeStyles(s) - whole).abs().max().item<float>() > 1e-2, "the move changed the image");
        }
        using var all = g.SynthesizeUntil(s, 5);
        Assert.Throws<ArgumentException>(() => g.SynthesizeFrom(all, s.Select(t => t[..39]).ToList()));
        Assert.Throws<ArgumentOutOfRangeException>(() => g.SynthesizeUntil(s, 15));
    }

    [Fact]
    public void Mapping_matches_w()
    {
        using var _ = no_grad();
        Fixtures.AssertClose(io["w"], g.Map(io["z"]), "w");
    }

    [Fact]
    public void Image_from_z_matches()
    {
        using var _ = no_grad();
        Fixtures.AssertClose(io["img_z"], g.Synthesize(g.Broadcast(g.Map(io["z"]))), "img_z");
    }

    [Fact]
    public void Truncation_matches()
    {
        using var _ = no_grad();
        var w = g.Truncate(g.Map(io["z"]), 0.7);
        Fixtures.AssertClose(io["img_trunc07"], g.Synthesize(g.Broadcast(w)), "img_trunc07");
    }

    [Fact]
    public void Style_mixing_at_index_3_matches()
    {
        using var _ = no_grad();
        var wp = g.Mix(g.Map(io["z"]), g.Map(io["z2"]), 3);
        Fixtures.AssertClose(io["img_mix3"], g.Synthesize(wp), "img_mix3");
    }

    [Fact]
    public void WPlus_image_and_every_style_vector_match()
    {
        using var _ = no_grad();
        var s = g.Styles(io["wplus"]);
        Assert.Equal(14, s.Count);
        for (int k = 0; k < s.Count; k++) Fixtures.AssertClose(io[$"s_{k}"], s[k], $"s_{k}");
        Fixtures.AssertClose(io["img_wplus"], g.Synthesize(io["wplus"]), "img_wplus");
    }

    [Fact]
    public void Batches_of_one_match_each_row()
    {
        // Batch 1 takes the weight-modulation path (and in-place inference ops); it must give the same numbers.
        using var _ = no_grad();
        for (int i = 0; i < 2; i++)
        {
            var wp = io["wplus"][TensorIndex.Slice(i, i + 1)];
            Fixtures.AssertClose(io["img_wplus"][TensorIndex.Slice(i, i + 1)], g.Synthesize(wp), $"img_wplus[{i}]");
            var s = g.Styles(wp).Select((t, k) => t + io[$"s_edit_delta_{k}"][TensorIndex.Slice(i, i + 1)]).ToList();
            Fixtures.AssertClose(io["img_s_edit"][TensorIndex.Slice(i, i + 1)], g.SynthesizeStyles(s), $"img_s_edit[{i}]");
        }
    }

    [Fact]
    public void Gradient_for_a_single_image_matches()
    {
        var wplus = io["wplus"][TensorIndex.Slice(1, 2)].clone().requires_grad_(true);
        (g.Synthesize(wplus) * io["grad_probe"][TensorIndex.Slice(1, 2)]).sum().backward();
        Fixtures.AssertClose(io["grad_wplus"][TensorIndex.Slice(1, 2)], wplus.grad!, "grad_wplus[1]", tol: 1e-3, relativeOnly: true);
    }

    [Fact]
    public void Explicit_noise_matches()
    {
        using var _ = no_grad();
        var maps = Enumerable.Range(0, 9).Select(j => io[$"noise_{j}"]).ToList();
        Fixtures.AssertClose(io["img_wplus_noise"], g.Synthesize(io["wplus"], NoiseSpec.Explicit(maps)), "img_wplus_noise");
    }

    [Fact]
    public void StyleSpace_input_edit_matches()
    {
        using var _ = no_grad();
        var s = g.Styles(io["wplus"]).Select((t, k) => t + io[$"s_edit_delta_{k}"]).ToList();
        Fixtures.AssertClose(io["img_s_edit"], g.SynthesizeStyles(s), "img_s_edit");
    }

    [Fact]
    public void Gradient_through_the_whole_generator_matches()
    {
        var wplus = io["wplus"].clone().requires_grad_(true);
        var loss = (g.Synthesize(wplus) * io["grad_probe"]).sum();
        loss.backward();
        Fixtures.AssertClose(io["grad_wplus"], wplus.grad!, "grad_wplus", tol: 1e-3, relativeOnly: true);
    }

    [Fact]
    public void Safetensors_checkpoint_gives_the_same_image()
    {
        using var g2 = StyleGan2Generator.Load(Fixtures.File("stylegan2", "generator.safetensors"));
        using var _ = no_grad();
        Fixtures.AssertClose(io["img_wplus"], g2.Synthesize(io["wplus"]), "img_wplus (safetensors)");
        Fixtures.AssertClose(g.LatentAvg, g2.LatentAvg, "latent_avg");
    }
}
