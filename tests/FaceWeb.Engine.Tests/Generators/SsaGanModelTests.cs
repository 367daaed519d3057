using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators.SsaGan;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>#19: FaceWeb's SSA-GAN (NetG over MiniLM through text_proj) as a pack's text → face method.</summary>
public sealed class SsaGanModelTests : IDisposable
{
    readonly string tmp = Directory.CreateTempSubdirectory("faceweb-ssagan-").FullName;
    public void Dispose() => Directory.Delete(tmp, true);

    string RandomModel()
    {
        using var model = new SsaGanModel(new NetG(SsaGanConfig.Reference(4, 64)), TextImage.MiniLmTextEncoder.Dimensions);
        using (no_grad()) foreach (var (name, p) in model.named_parameters())
            if (name.EndsWith("gamma", StringComparison.Ordinal) || name.Contains(".linear2.")) p.copy_(randn(p.shape, generator: new Generator(7)) * 0.1);
        string path = Path.Combine(tmp, "ssagan.safetensors");
        model.Save(path, "all-MiniLM-L6-v2");
        return path;
    }

    [Fact]
    public void A_pack_with_an_ssagan_role_makes_faces_in_one_pass_with_their_mask_and_no_latent()
    {
        string file = RandomModel();
        using var engine = FaceEngine.FromPack(Repository.DefaultPack());
        using var editor = PackEditor.Open(engine, Repository.DefaultPack(), new Dictionary<string, string> { [Checkpoints.ModelPack.SsaGanRole] = file });
        Assert.True(editor.HasSsaGan);
        var a = editor.TextToFace("a smiling young woman", 3, TextToFaceMethod.SsaGan, steps: 100, ct: TestContext.Current.CancellationToken).OfType<EditResult>().ToList();
        var result = Assert.Single(a);                                                  // one pass: steps do not apply
        Assert.Equal([1, 3, 64, 64], result.Image.shape);
        Assert.Null(result.Latent);
        Assert.NotNull(result.Mask);
        Assert.Equal([1, 1, 64, 64], result.Mask!.shape);
        Assert.True(result.Mask.min().item<float>() > 0 && result.Mask.max().item<float>() < 1);
        using var again = editor.SsaGanFace("a smiling young woman", 3);
        using var other = editor.SsaGanFace("an old man with a grey beard", 3);
        Assert.True((again.Image == result.Image).all().item<bool>());                 // deterministic for a caption and seed
        Assert.False((other.Image == result.Image).all().item<bool>());                // the caption acts
        result.Dispose();
        Assert.Equal(TextToFaceMethod.SsaGan, TextToFaceMethods.Parse("SSA-GAN"));
        using var bare = PackEditor.Open(engine, Repository.DefaultPack());
        Assert.Equal(bare.HasSsaGan, File.Exists(Path.Combine(Repository.DefaultPack(), "ssagan.safetensors")));
    }

    /// <summary>Compare's text → face mode: every method the pack has, in order, each with its text score and time; SSA-GAN's with its mask.</summary>
    [Fact]
    public void Compare_runs_every_text_to_face_method_the_pack_has()
    {
        string file = RandomModel();
        using var engine = FaceEngine.FromPack(Repository.DefaultPack());
        using var editor = PackEditor.Open(engine, Repository.DefaultPack(), new Dictionary<string, string> { [Checkpoints.ModelPack.SsaGanRole] = file });
        var all = Evaluation.Compare.TextToFace(editor, "an old man with a grey beard", 2, steps: 2, ct: TestContext.Current.CancellationToken).ToList();
        var cells = all.OfType<Evaluation.TextToFaceCell>().ToList();
        Assert.Equal([TextToFaceMethod.Attributes, TextToFaceMethod.Optimise, TextToFaceMethod.Prior, TextToFaceMethod.SsaGan], cells.Select(c => c.Method));
        Assert.Equal("attributes from the caption, 2 steps", cells[0].Detail);
        Assert.Equal(3, all.Count(c => c is null));                                      // each step without a frame lets others in (2 steps, 1 frame, 3 methods)
        Assert.All(cells, c => Assert.InRange(c.TextScore, -1, 1));
        Assert.All(cells, c => Assert.True(c.Milliseconds > 0));
        Assert.NotNull(cells[3].Mask);
        Assert.Null(cells[0].Mask);
        foreach (var c in cells) { c.Image.Dispose(); c.Mask?.Dispose(); }
    }

    [Fact]
    public void A_reference_netg_file_is_not_taken_for_a_faceweb_model()
    {
        var e = Assert.Throws<Checkpoints.CheckpointException>(() => SsaGanModel.Load(Path.Combine(AppContext.BaseDirectory, "fixtures", "ssagan", "netG_ngf8.pth")));
        Assert.Contains("render-ssagan", e.Message);
    }
}
