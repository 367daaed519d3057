using System.Text.Json;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Identity;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>ArcFace IR-SE50 (the ID loss network) against the reference outputs.</summary>
public sealed class IdentityTests
{
    static Dictionary<string, Tensor> FromKeyManifest(string folder, string file, string prefix = "")
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixtures.File(folder, file)));
        return doc.RootElement.GetProperty("keys").EnumerateObject().ToDictionary(p => prefix + p.Name, p =>
        {
            var shape = p.Value.EnumerateArray().Select(d => d.GetInt64()).ToArray();
            return p.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal) ? zeros(shape, int64) : zeros(shape);
        });
    }

    [Fact]
    public void Features_at_112_and_through_the_id_loss_preprocessing_match_the_reference()
    {
        using var id = ArcFaceIdentity.Load(Fixtures.File("arcface", "ir_se50_w4.pth"));
        using var io = CheckpointReader.Load(Fixtures.File("arcface", "arcface_io.safetensors"));
        var backbone = ArcFaceBackbone.Load(Fixtures.File("arcface", "ir_se50_w4.pth"));
        using (no_grad())
        {
            Fixtures.AssertClose(io["feats112"], backbone.forward(io["x112"]), "feats112");
            Fixtures.AssertClose(io["feats256"], id.Embed(io["x256"]), "feats256");
        }
        Assert.Equal(128, id.EmbedDim);
    }

    [Fact]
    public void The_id_loss_gradient_matches_autograd_of_the_reference()
    {
        var backbone = ArcFaceBackbone.Load(Fixtures.File("arcface", "ir_se50_w4.pth"));
        using var io = CheckpointReader.Load(Fixtures.File("arcface", "arcface_io.safetensors"));
        var x = io["x112"].clone().requires_grad_(true);
        var loss = (1 - (backbone.forward(x) * io["feats112"][1]).sum(1)).sum();
        loss.backward();
        Fixtures.AssertClose(io["grad_x112_id_loss_vs_feats1"], x.grad!, "d loss / d x112", 1e-3, relativeOnly: true);
    }

    [Fact]
    public void The_full_size_ir_se50_builds_with_exactly_the_reference_keys_and_shapes()
    {
        var sd = FromKeyManifest("arcface", "ir_se50_keys.json");
        using var model = ArcFaceBackbone.Load(sd, "ir_se50_keys.json");
        Assert.Equal(512, model.EmbedDim);
        Assert.Equal(sd.Count, model.state_dict().Count);
    }

    [Fact]
    public void A_checkpoint_with_a_missing_or_extra_key_is_a_clear_error()
    {
        var sd = FromKeyManifest("arcface", "ir_se50_keys.json");
        sd.Remove("body.5.res_layer.5.fc2.weight");
        Assert.Contains("body.5.res_layer.5.fc2.weight", Assert.Throws<CheckpointException>(() => ArcFaceBackbone.Load(sd, "x")).Message);
        var extra = FromKeyManifest("arcface", "ir_se50_keys.json");
        extra["head.kernel"] = zeros(4);
        Assert.Contains("head.kernel", Assert.Throws<CheckpointException>(() => ArcFaceBackbone.Load(extra, "x")).Message);
    }

    [Fact]
    public void Identity_similarity_is_one_for_the_same_face_and_lower_for_another()
    {
        using var id = ArcFaceIdentity.Load(Fixtures.File("arcface", "ir_se50_w4.pth"));
        using var io = CheckpointReader.Load(Fixtures.File("arcface", "arcface_io.safetensors"));
        var x = io["x256"];
        var same = id.Similarity(x, x);
        Assert.All(same.data<float>().ToArray(), s => Assert.Equal(1, s, 4));
        var swapped = id.Similarity(x, x.flip(0));
        Assert.True(swapped[0].item<float>() < 0.999, $"two different faces: {swapped[0].item<float>()}");
        var loss = id.IdLoss(x, id.Embed(x).detach());
        Assert.All(loss.data<float>().ToArray(), l => Assert.Equal(0, l, 4));
    }
}
