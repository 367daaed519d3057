using System.Text.Json;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Inversion;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>e4e Encoder4Editing against the reference outputs.</summary>
public sealed class E4eTests
{
    [Fact]
    public void Encoder_output_and_wplus_match_the_reference()
    {
        using var e4e = Encoder4Editing.Load(Fixtures.File("e4e", "e4e_w4.pt"));
        using var io = CheckpointReader.Load(Fixtures.File("e4e", "e4e_io.safetensors"));
        Assert.Equal(10, e4e.StyleCount);
        Fixtures.AssertClose(io["latent_avg"], e4e.LatentAvg, "latent_avg", 0);
        using var _ = no_grad();
        Fixtures.AssertClose(io["encoder_out"], e4e.forward(io["x256"]), "encoder_out");
        Fixtures.AssertClose(io["wplus"], e4e.Invert(io["x256"]), "wplus");
    }

    [Fact]
    public void The_full_size_ffhq_encoder_builds_with_exactly_the_reference_keys_and_shapes()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixtures.File("e4e", "e4e_ffhq_encoder_keys.json")));
        var sd = doc.RootElement.GetProperty("keys").EnumerateObject().ToDictionary(p => p.Name, p =>
        {
            var shape = p.Value.EnumerateArray().Select(d => d.GetInt64()).ToArray();
            return p.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal) ? zeros(shape, int64) : zeros(shape);
        });
        using var e4e = Encoder4Editing.Load(sd, zeros(512), "e4e_ffhq_encoder_keys.json");
        Assert.Equal(18, e4e.StyleCount);
        Assert.Equal(sd.Count, e4e.state_dict().Count);
        var wrong = Assert.Throws<CheckpointException>(() => Encoder4Editing.Load(sd, zeros(256), "x"));
        Assert.Contains("latent_avg", wrong.Message);
    }

    [Fact]
    public void A_file_that_is_not_an_e4e_checkpoint_is_a_clear_error()
    {
        var e = Assert.Throws<CheckpointException>(() => Encoder4Editing.Load(Fixtures.File("arcface", "ir_se50_w4.pth")));
        Assert.Contains("encoder", e.Message);
    }
}
