using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators.StyleGan2;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>InterFaceGAN sliders on one seed: layer groups, Z and W moves, conditioning, bad input.</summary>
public sealed class SliderTests : IDisposable
{
    readonly StyleGan2Generator g = StyleGan2Generator.Load(Fixtures.File("stylegan2", "generator.pt"));
    readonly Tensor z = randn([1, 64], generator: new Generator(7));
    const double Psi = 0.7;

    static AttributeDirection Unit(string name, int seed, LatentSpace space = LatentSpace.W)
    {
        var n = randn([1, 64], generator: new Generator((ulong)seed));
        return new AttributeDirection(name, n / n.norm(), space);
    }

    Tensor Start() { using var _ = no_grad(); return g.WPlusFromZ(z, Psi); }

    Tensor Edit(IReadOnlyList<(AttributeDirection, double)> moves, IReadOnlyList<AttributeDirection>? keep = null, LayerGroups rows = LayerGroups.All)
    {
        using var _ = no_grad();
        return InterFaceGan.Sliders(g, z, Psi, moves, keep ?? [], rows);
    }

    [Fact]
    public void No_move_is_the_seed_and_a_W_move_adds_alpha_n_to_the_chosen_rows_only()
    {
        var smile = Unit("smile", 1);
        Fixtures.AssertClose(Start(), Edit([]), "no move", 1e-6);
        Fixtures.AssertClose(Start(), Edit([(smile, 0.0)]), "zero move", 1e-6);

        var delta = Edit([(smile, 2.5)], rows: LayerGroups.Coarse | LayerGroups.Fine) - Start();   // [1,10,64]
        for (int row = 0; row < 10; row++)
        {
            var expected = row is >= 4 and < 8 ? zeros(1, 64) : 2.5 * smile.Normal;
            Fixtures.AssertClose(expected, delta[.., row], $"row {row}", 1e-5);
        }
    }

    [Fact]
    public void Keeping_an_attribute_fixed_moves_orthogonally_to_it()
    {
        var (smile, age) = (Unit("smile", 1), Unit("age", 2));
        var free = Edit([(smile, 3.0)]) - Start();
        var kept = Edit([(smile, 3.0)], [age, smile]) - Start();            // its own name among the kept ones is ignored
        Assert.True(Math.Abs(free[0, 0].dot(age.Normal[0]).item<float>()) > 0.05, "the random directions are not orthogonal already");
        Assert.Equal(0, kept[0, 0].dot(age.Normal[0]).item<float>(), 4);
        Assert.Equal(3, kept[0, 0].norm().item<float>(), 4);
        Assert.True(kept[0, 0].dot(smile.Normal[0]).item<float>() > 0, "still moves towards the attribute");
    }

    [Fact]
    public void A_Z_move_is_applied_before_mapping_and_only_the_chosen_rows_take_it()
    {
        var zDir = Unit("pose", 3, LatentSpace.Z);
        var edited = Edit([(zDir, 2.0)], rows: LayerGroups.Middle);
        Tensor expected;
        using (no_grad()) expected = g.WPlusFromZ(z + 2.0 * zDir.Normal, Psi);
        Fixtures.AssertClose(expected[.., 4..8], edited[.., 4..8], "middle rows from the moved z", 1e-5);
        Fixtures.AssertClose(Start()[.., 0..4], edited[.., 0..4], "coarse rows untouched", 1e-6);
        Assert.True((expected - Start()).abs().max().item<float>() > 1e-2, "the move changes W");
    }

    [Fact]
    public void A_WPlus_direction_adds_per_row()
    {
        var rows = randn([1, 10, 64], generator: new Generator(5));
        var dir = new AttributeDirection("e4e age", rows, LatentSpace.W);
        Fixtures.AssertClose(Start() + 1.5 * rows, Edit([(dir, 1.5)]), "W+ direction", 1e-5);
    }

    [Fact]
    public void Sliders_on_a_wplus_latent_move_its_rows_and_refuse_z_sliders()
    {
        var smile = Unit("smile", 1);
        var wplus = randn([1, 10, 64], generator: new Generator(8));
        using (no_grad())
        {
            var edited = InterFaceGan.Sliders(g, wplus, [(smile, 2.0)], [], LayerGroups.Fine);
            Fixtures.AssertClose(wplus[.., 0..8], edited[.., 0..8], "coarse and middle rows kept", 1e-6);
            Fixtures.AssertClose(wplus[.., 8..10] + 2.0 * smile.Normal.view(1, 1, 64), edited[.., 8..10], "fine rows moved", 1e-5);
        }
        var z = Unit("pose", 3, LatentSpace.Z);
        Assert.Contains("Z-space", Assert.Throws<ArgumentException>(() => InterFaceGan.Sliders(g, wplus, [(z, 1.0)], [], LayerGroups.All)).Message);
        Assert.Throws<ArgumentException>(() => InterFaceGan.Sliders(g, randn(1, 64), [(smile, 1.0)], [], LayerGroups.All));
    }

    [Fact]
    public void Bad_slider_input_is_a_clear_error()
    {
        var smile = Unit("smile", 1);
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => Edit([(smile, double.NaN)])).Message);
        var wide = new AttributeDirection("wide", ones(1, 512) / Math.Sqrt(512), LatentSpace.W);
        Assert.Contains("[1,64]", Assert.Throws<ArgumentException>(() => Edit([(wide, 1.0)])).Message);
        Assert.Contains("parallel", Assert.Throws<ArgumentException>(() => Edit([(smile, 1.0)], [smile with { Name = "smile copy" }])).Message);
        Assert.Contains("layer group", Assert.Throws<ArgumentException>(() => Edit([(smile, 1.0)], rows: LayerGroups.None)).Message);
    }

    [Fact]
    public void A_learned_boundary_round_trips_with_its_space_and_accuracy()
    {
        string dir = Directory.CreateTempSubdirectory("faceweb-slider").FullName;
        try
        {
            var b = new TrainedBoundary(Unit("x", 4).Normal, LatentSpace.Z, 0.925, 0.97, 10, 4);
            BoundaryTrainer.Save(b, "grey hair", Path.Combine(dir, "b.safetensors"));
            var d = BoundaryTrainer.LoadDirection("grey hair", Path.Combine(dir, "b.safetensors"));
            Assert.Equal((LatentSpace.Z, 0.925), (d.Space, d.ValidationAccuracy!.Value));
            Fixtures.AssertClose(b.Normal, d.Normal, "normal", 1e-6);
            Assert.Equal("grey-hair", ModelPack.Slug(" Grey hair! "));
        }
        finally { Directory.Delete(dir, true); }
    }

    public void Dispose() => g.Dispose();
}
