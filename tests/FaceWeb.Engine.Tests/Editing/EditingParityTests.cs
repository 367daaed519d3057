using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators.StyleGan2;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>Parity with InterFaceGAN's manipulator and StyleCLIP's global-direction arithmetic and LevelsMapper.</summary>
public sealed class EditingParityTests
{
    [Fact]
    public void InterFaceGan_projection_with_1_2_and_3_conditions_matches()
    {
        using var io = CheckpointReader.Load(Fixtures.File("interfacegan", "interfacegan_io.safetensors"));
        Fixtures.AssertClose(io["proj_1"], InterFaceGan.ProjectBoundary(io["primal"], io["cond1"]), "proj_1");
        Fixtures.AssertClose(io["proj_2"], InterFaceGan.ProjectBoundary(io["primal"], io["cond1"], io["cond2"]), "proj_2");
        Fixtures.AssertClose(io["proj_3"], InterFaceGan.ProjectBoundary(io["primal"], io["cond1"], io["cond2"], io["cond3"]), "proj_3");
    }

    [Fact]
    public void InterFaceGan_interpolation_in_Z_and_WPlus_matches()
    {
        using var io = CheckpointReader.Load(Fixtures.File("interfacegan", "interfacegan_io.safetensors"));
        Fixtures.AssertClose(io["interp_z"], InterFaceGan.LinearInterpolate(io["latent"], io["primal"], -3, 3, 7), "interp_z");
        Fixtures.AssertClose(io["interp_wp"], InterFaceGan.LinearInterpolate(io["latent_wp"], io["primal"], -2, 4, 4), "interp_wp");
    }

    [Fact]
    public void InterFaceGan_rejects_wrong_width_and_nan()
    {
        using var io = CheckpointReader.Load(Fixtures.File("interfacegan", "interfacegan_io.safetensors"));
        Assert.Contains("[1,12]", Assert.Throws<ArgumentException>(() => InterFaceGan.ProjectBoundary(io["primal"], zeros(1, 512))).Message);
        Assert.Throws<ArgumentException>(() => InterFaceGan.LinearInterpolate(io["latent"], io["primal"], double.NaN, 3, 7));
        Assert.Throws<ArgumentException>(() => InterFaceGan.LinearInterpolate(io["latent"], full(1, 12, float.NaN)));
    }

    [Fact]
    public void Global_direction_fs3_dt_and_boundaries_match()
    {
        using var io = CheckpointReader.Load(Fixtures.File("styleclip", "global_directions_io.safetensors"));
        var fs3 = GlobalDirections.Fs(io["all_f"]);
        Fixtures.AssertClose(io["fs3"], fs3, "fs3");
        var dt = GlobalDirections.Dt(io["text_emb_target"], io["text_emb_neutral"]);
        Fixtures.AssertClose(io["dt"], dt, "dt");
        var std = Enumerable.Range(0, 9).Select(l => io[$"code_std_layer{l}"]).ToList();
        foreach (var beta in new[] { "0.05", "0.1", "0.2" })
        {
            var (delta, channels) = GlobalDirections.Boundary(io["fs3"], io["dt"], double.Parse(beta, System.Globalization.CultureInfo.InvariantCulture), std);
            Assert.Equal((int)io[$"num_channels_beta{beta}"].item<float>(), channels);
            for (int l = 0; l < 9; l++) Fixtures.AssertClose(io[$"delta_s_beta{beta}_layer{l}"], delta[l], $"Δs β={beta} layer {l}");
        }
    }

    [Fact]
    public void Levels_mapper_and_its_decoder_match()
    {
        using var sd = CheckpointReader.Load(Fixtures.File("styleclip", "mapper.pt"));
        using var io = CheckpointReader.Load(Fixtures.File("styleclip", "mapper_io.safetensors"));
        using var mapper = StyleClipMapper.Load(sd);
        using var decoder = StyleGan2Generator.FromStateDict(sd, "state_dict.decoder");
        using var _ = no_grad();
        Fixtures.AssertClose(io["mapper_out"], mapper.forward(io["w"]), "mapper_out");
        var edited = mapper.Edit(io["w"]);
        Fixtures.AssertClose(io["w_edited"], edited, "w_edited");
        Fixtures.AssertClose(io["img_edited"], decoder.Synthesize(edited), "img_edited");
    }
}

public sealed class DirectionReaderTests
{
    [Theory]
    [InlineData("e4e_interfacegan_age.pt", new long[] { 1, 512 })]
    [InlineData("e4e_interfacegan_smile.pt", new long[] { 1, 512 })]
    [InlineData("e4e_interfacegan_pose.pt", new long[] { 1, 18, 512 })]
    [InlineData("interfacegan_stylegan_ffhq_age_w_boundary.npy", new long[] { 1, 512 })]
    [InlineData("interfacegan_stylegan_ffhq_eyeglasses_w_boundary.npy", new long[] { 1, 512 })]
    [InlineData("interfacegan_stylegan_ffhq_smile_w_boundary.npy", new long[] { 1, 512 })]
    public void Real_direction_files_load_with_their_shapes(string file, long[] shape)
    {
        using var t = DirectionReader.Load(Fixtures.File("real", file));
        Assert.Equal(shape, t.shape);
        Assert.Equal(ScalarType.Float32, t.dtype);
        Assert.True(t.isfinite().all().item<bool>());
        if (file.EndsWith(".npy"))
            Assert.Equal(1.0, t.norm().item<float>(), 4);   // InterFaceGAN boundaries are unit normals
        else
            Assert.True(t.norm().item<float>() > 0);
    }

    [Fact]
    public void Broken_direction_files_are_clear_errors()
    {
        string dir = Directory.CreateTempSubdirectory("faceweb-dir-").FullName;
        try
        {
            var npy = File.ReadAllBytes(Fixtures.File("real", "interfacegan_stylegan_ffhq_age_w_boundary.npy"));
            File.WriteAllBytes(Path.Combine(dir, "cut.npy"), npy[..(npy.Length - 100)]);
            Assert.Throws<CheckpointException>(() => DirectionReader.Load(Path.Combine(dir, "cut.npy")));
            var pt = File.ReadAllBytes(Fixtures.File("real", "e4e_interfacegan_age.pt"));
            File.WriteAllBytes(Path.Combine(dir, "cut.pt"), pt[..(pt.Length / 2)]);
            Assert.Throws<CheckpointException>(() => DirectionReader.Load(Path.Combine(dir, "cut.pt")));
        }
        finally { Directory.Delete(dir, true); }
    }
}
