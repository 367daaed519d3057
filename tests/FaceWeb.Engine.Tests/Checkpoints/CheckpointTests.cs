using System.Text.Json;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Generators.StyleGan2;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

public sealed class CheckpointTests : IDisposable
{
    readonly string tmp = Directory.CreateTempSubdirectory("faceweb-ckpt-").FullName;

    public void Dispose() => Directory.Delete(tmp, recursive: true);

    [Fact]
    public void Full_size_FFHQ_architecture_has_exactly_the_reference_keys_and_shapes()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixtures.File("stylegan2", "ffhq1024_keys.json")));
        var expected = doc.RootElement.GetProperty("keys").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(e => e.GetInt64()).ToArray());
        using var g = new StyleGan2Generator(StyleGan2Config.Ffhq1024);
        var actual = g.state_dict();
        Assert.Empty(expected.Keys.Except(actual.Keys));
        Assert.Empty(actual.Keys.Except(expected.Keys));
        foreach (var (k, shape) in expected) Assert.True(shape.SequenceEqual(actual[k].shape), $"{k}: [{string.Join(",", actual[k].shape)}]");
        Assert.Equal(doc.RootElement.GetProperty("n_latent").GetInt32(), g.Config.NLatent);
        Assert.Equal(doc.RootElement.GetProperty("num_params").GetInt64(), g.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Pickle_and_safetensors_hold_the_same_tensors()
    {
        using var pt = CheckpointReader.Load(Fixtures.File("stylegan2", "generator.pt"));
        using var st = CheckpointReader.Load(Fixtures.File("stylegan2", "generator.safetensors"));
        Assert.Equal(pt.Keys.OrderBy(k => k), st.Keys.OrderBy(k => k));
        foreach (var k in pt.Keys) Assert.True(pt[k].shape.SequenceEqual(st[k].shape) && pt[k].eq(st[k]).all().item<bool>(), k);
    }

    [Fact]
    public void Truncated_checkpoint_fails_with_a_clear_error()
    {
        foreach (var name in new[] { "generator.pt", "generator.safetensors" })
        {
            var bytes = File.ReadAllBytes(Fixtures.File("stylegan2", name));
            string path = Path.Combine(tmp, "cut-" + name);
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
            var e = Assert.Throws<CheckpointException>(() => StyleGan2Generator.Load(path));
            Assert.Contains(path, e.Message);
        }
    }

    [Fact]
    public void Garbage_file_fails_with_a_clear_error()
    {
        string path = Path.Combine(tmp, "noise.pt");
        File.WriteAllBytes(path, Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919)).ToArray());
        Assert.Throws<CheckpointException>(() => StyleGan2Generator.Load(path));
        string empty = Path.Combine(tmp, "empty.safetensors");
        File.WriteAllBytes(empty, []);
        Assert.Throws<CheckpointException>(() => StyleGan2Generator.Load(empty));
    }

    [Fact]
    public void Renamed_tensor_is_named_as_missing_and_unexpected()
    {
        var tensors = SafeTensors.Load(Fixtures.File("stylegan2", "generator.safetensors"));
        tensors["g_ema.conv1.noise.weight_renamed"] = tensors["g_ema.conv1.noise.weight"];
        tensors.Remove("g_ema.conv1.noise.weight");
        string path = Path.Combine(tmp, "renamed.safetensors");
        SafeTensors.Save(path, tensors);
        var e = Assert.Throws<CheckpointException>(() => StyleGan2Generator.Load(path));
        Assert.Contains("missing conv1.noise.weight", e.Message);
        Assert.Contains("unexpected conv1.noise.weight_renamed", e.Message);
    }

    [Fact]
    public void Misshaped_tensor_is_named_with_both_shapes()
    {
        var tensors = SafeTensors.Load(Fixtures.File("stylegan2", "generator.safetensors"));
        tensors["g_ema.to_rgb1.bias"] = zeros(1, 4, 1, 1);
        string path = Path.Combine(tmp, "misshaped.safetensors");
        SafeTensors.Save(path, tensors);
        var e = Assert.Throws<CheckpointException>(() => StyleGan2Generator.Load(path));
        Assert.Contains("to_rgb1.bias: checkpoint [1,4,1,1], model [1,3,1,1]", e.Message);
    }

    [Fact]
    public void Latent_input_rejects_wrong_width_nonfinite_and_ambiguous_inputs()
    {
        var config = new StyleGan2Config(64, 64, 3, new Dictionary<int, int> { [4] = 8, [8] = 8, [16] = 8, [32] = 8, [64] = 8 });
        Assert.Contains("[N,64]", Assert.Throws<CheckpointException>(() =>
            LatentInput.Select(new Dictionary<string, Tensor> { ["w"] = zeros(2, 512) }, "in", config)).Message);
        Assert.Contains("[N,10,64]", Assert.Throws<CheckpointException>(() =>
            LatentInput.Select(new Dictionary<string, Tensor> { ["wplus"] = zeros(2, 18, 64) }, "in", config)).Message);
        var bad = zeros(2, 64); bad[1, 3] = tensor(float.NaN);
        Assert.Contains("NaN", Assert.Throws<CheckpointException>(() =>
            LatentInput.Select(new Dictionary<string, Tensor> { ["z"] = bad }, "in", config)).Message);
        Assert.Contains("exactly one", Assert.Throws<CheckpointException>(() =>
            LatentInput.Select(new Dictionary<string, Tensor> { ["z"] = zeros(1, 64), ["w"] = zeros(1, 64) }, "in", config)).Message);
        Assert.Contains("no latent", Assert.Throws<CheckpointException>(() =>
            LatentInput.Select(new Dictionary<string, Tensor> { ["latent"] = zeros(1, 64) }, "in", config)).Message);
    }

    [Fact]
    public void Model_pack_verifies_sha256_and_names_the_bad_file()
    {
        string pack = Path.Combine(tmp, "pack");
        Directory.CreateDirectory(pack);
        File.Copy(Fixtures.File("stylegan2", "generator.safetensors"), Path.Combine(pack, "generator.safetensors"));
        ModelPack.WriteManifest(pack, "fixture", "stylegan2", trained: false, "test pack", [("generator", "generator.safetensors")]);
        using (var engine = FaceEngine.FromPack(pack)) Assert.Equal(64, engine.Pack.Resolution);

        using (var f = File.OpenWrite(Path.Combine(pack, "generator.safetensors"))) { f.Seek(-1, SeekOrigin.End); f.WriteByte(0x5a); }
        var e = Assert.Throws<CheckpointException>(() => ModelPack.Load(pack));
        Assert.Contains("SHA-256 of 'generator.safetensors'", e.Message);
    }

    [Fact]
    public void Replacing_a_packs_file_rehashes_it_but_a_damaged_neighbour_still_fails()
    {
        string pack = Path.Combine(tmp, "jobs");
        Directory.CreateDirectory(pack);
        File.WriteAllText(Path.Combine(pack, "a.bin"), "first");
        File.WriteAllText(Path.Combine(pack, "b.bin"), "other");
        ModelPack.WriteManifest(pack, "p", "stylegan2", trained: false, "test", [("mapper:x", "a.bin"), ("b", "b.bin")]);
        File.WriteAllText(Path.Combine(pack, "a.bin"), "retrained");                 // a job rewrote its file
        ModelPack.AddFile(pack, "mapper:x", "a.bin");
        Assert.Equal(ModelPack.Sha256Of(Path.Combine(pack, "a.bin")), ModelPack.Load(pack).Manifest.Files.Single(f => f.Role == "mapper:x").Sha256);

        File.WriteAllText(Path.Combine(pack, "b.bin"), "damaged");
        File.WriteAllText(Path.Combine(pack, "a.bin"), "again");
        Assert.Contains("'b.bin'", Assert.Throws<CheckpointException>(() => ModelPack.AddFile(pack, "mapper:x", "a.bin")).Message);
    }
}
