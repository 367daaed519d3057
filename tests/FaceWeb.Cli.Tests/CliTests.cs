using System.Diagnostics;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Generators;
using static TorchSharp.torch;

namespace FaceWeb.Cli.Tests;

using FaceWeb.Engine.Tests;

/// <summary>Runs the built `faceweb` (FaceWeb.Cli) as a separate process.</summary>
public sealed class CliTests : IDisposable
{
    readonly string tmp = Directory.CreateTempSubdirectory("faceweb-cli-").FullName;

    public void Dispose() => Directory.Delete(tmp, recursive: true);

    /// <summary>Runs the built `faceweb` as its own process; its exit code, stdout and stderr.</summary>
    internal static (int Code, string Out, string Err) Faceweb(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "faceweb.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>A model pack holding the StyleGAN2 fixture generator.</summary>
    string FixturePack(string name)
    {
        string pack = Path.Combine(tmp, name);
        Directory.CreateDirectory(pack);
        File.Copy(Fixtures.File("stylegan2", "generator.safetensors"), Path.Combine(pack, "generator.safetensors"));
        ModelPack.WriteManifest(pack, "fixture", "stylegan2", false, "test", [("generator", "generator.safetensors")]);
        return pack;
    }

    static string[] ClipArgs => ["--clip", Fixtures.File("clip", "clip.safetensors"), "--vocab", Fixtures.File("clip", "bpe_simple_vocab_16e6.txt.gz")];

    /// <summary>#19: render-ssagan renders the reference's own NetG file from its sentence vectors and noise to the
    /// reference's image and masks (the parity fixture, tests/reference/ssagan_fixture.py).</summary>
    [Fact]
    public void Render_ssagan_reproduces_the_reference_image_and_masks()
    {
        string dir = Path.Combine(Repository.Root(), "tests", "FaceWeb.Engine.Tests", "fixtures", "ssagan");
        string output = Path.Combine(tmp, "ssagan.safetensors");
        var (code, stdout, stderr) = Faceweb("render-ssagan", "--checkpoint", Path.Combine(dir, "netG_ngf8.pth"),
            "--input", Path.Combine(dir, "outputs_ngf8.pth"), "--out", output, "--device", "cpu");
        Assert.True(code == 0, stderr);
        Assert.Contains("wrote image [2,3,256,256] and 7 masks", stdout);
        using var expected = CheckpointReader.Load(Path.Combine(dir, "outputs_ngf8.pth"));
        using var actual = CheckpointReader.Load(output);
        Fixtures.AssertClose(expected["image"], actual["image"], "image");
        Fixtures.AssertClose(expected["mask_256"], actual["mask_256"], "mask");
        var (bad, _, badErr) = Faceweb("render-ssagan", "--checkpoint", Path.Combine(dir, "netG_ngf8.pth"), "--input", Path.Combine(dir, "netD_ngf8.pth"), "--out", output);
        Assert.NotEqual(0, bad);
        Assert.Contains("no tensor named 'sent'", badErr);
    }

    [Fact]
    public void Render_reproduces_img_wplus_from_the_fixture_wplus()
    {
        using var io = CheckpointReader.Load(Fixtures.File("stylegan2", "io.safetensors"));
        string input = Path.Combine(tmp, "in.safetensors"), output = Path.Combine(tmp, "out.safetensors");
        SafeTensors.Save(input, new Dictionary<string, Tensor> { ["wplus"] = io["wplus"] });
        var (code, _, err) = Faceweb("render", "--checkpoint", Fixtures.File("stylegan2", "generator.pt"), "--input", input, "--out", output);
        Assert.True(code == 0, err);
        using var result = CheckpointReader.Load(output);
        Fixtures.AssertClose(io["img_wplus"], result["image"], "image via CLI");
    }

    [Fact]
    public void Bad_input_exits_2_with_one_line_error()
    {
        string input = Path.Combine(tmp, "wide.safetensors");
        SafeTensors.Save(input, new Dictionary<string, Tensor> { ["w"] = zeros(1, 512) });
        var (code, _, err) = Faceweb("render", "--checkpoint", Fixtures.File("stylegan2", "generator.pt"), "--input", input, "--out", Path.Combine(tmp, "o.safetensors"));
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
        Assert.Contains("[N,64]", err);
        Assert.Single(err.Trim().Split('\n'));

        var missing = Faceweb("render", "--checkpoint", Path.Combine(tmp, "nope.pt"), "--input", input, "--out", Path.Combine(tmp, "o.safetensors"));
        Assert.Equal(2, missing.Code);
        Assert.Contains("file not found", missing.Err);

        var badGlobal = Faceweb("eval", "edits", "--pack", Repository.DefaultPack(), "--faces", "1", "--global", "a woman=wings-");
        Assert.Equal(2, badGlobal.Code);
        Assert.Contains("expected TARGET=JUDGE+ or TARGET=JUDGE-", badGlobal.Err);

        var badSeed = Faceweb("eval", "text2face", "--pack", Repository.DefaultPack(), "--first-seed", "-1");
        Assert.Equal(2, badSeed.Code);
        Assert.Contains("--first-seed must be at least 0", badSeed.Out + badSeed.Err);

        var mistyped = Faceweb("eval", "text2face", "--pack", Repository.DefaultPack(), "--no-steer");   // an option no command has
        Assert.Equal(2, mistyped.Code);
        Assert.Contains("no-steer", mistyped.Err);
    }

    [Fact]
    public void Align_writes_the_pack_framed_face_and_refuses_a_photo_without_one()
    {
        Repository.FaceApiModels();
        string photo = Path.Combine(Repository.Photos(), "astronaut.png"), png = Path.Combine(tmp, "aligned.png");
        var (code, stdout, err) = Faceweb("align", photo, "--pack", Repository.DefaultPack(), "--out", png);
        Assert.True(code == 0, err);
        Assert.Contains("\"framing\":\"utkface\"", stdout);
        using (var img = SixLabors.ImageSharp.Image.Load(png)) Assert.Equal((64, 64), (img.Width, img.Height));

        string grey = Path.Combine(tmp, "grey.png");
        using (var card = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(200, 160, new SixLabors.ImageSharp.PixelFormats.Rgb24(128, 128, 128)))
            SixLabors.ImageSharp.ImageExtensions.SaveAsPng(card, grey);
        var none = Faceweb("align", grey, "--out", png);
        Assert.Equal(2, none.Code);
        Assert.Contains("no face found", none.Err);
        var index = Faceweb("align", photo, "--face", "3", "--out", png);
        Assert.Equal(2, index.Code);
        Assert.Contains("only 1 face", index.Err);
    }

    [Fact]
    public void Generate_writes_one_png_per_seed_and_a_grid()
    {
        string dir = Path.Combine(tmp, "gen");
        var (code, _, err) = Faceweb("generate", "--checkpoint", Fixtures.File("stylegan2", "generator.safetensors"), "--seeds", "0-2,7", "--out", dir);
        Assert.True(code == 0, err);
        Assert.Equal(["grid.png", "seed0000.png", "seed0001.png", "seed0002.png", "seed0007.png"],
            Directory.GetFiles(dir).Select(Path.GetFileName).Order());
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(dir, "grid.png"))[..4]);
    }

    [Fact]
    public void Tokenize_and_clip_reproduce_the_fixture_tokens_and_features()
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Fixtures.File("clip", "tokenizer_cases.json")));
        var texts = doc.RootElement.EnumerateArray().Select(e => e.GetProperty("text").GetString()!).ToArray();
        string vocab = Fixtures.File("clip", "bpe_simple_vocab_16e6.txt.gz");
        var (code, stdout, err) = Faceweb(["tokenize", "--vocab", vocab, .. texts]);
        Assert.True(code == 0, err);
        var lines = stdout.Trim().Split('\n');
        Assert.Equal(texts.Length, lines.Length);
        for (int i = 0; i < texts.Length; i++)
            Assert.Equal(doc.RootElement[i].GetProperty("tokens").ToString().Replace(" ", "").Replace("\n", "").Replace("\r", ""), lines[i].Trim());

        using var io = CheckpointReader.Load(Fixtures.File("clip", "clip_io.safetensors"));
        string images = Path.Combine(tmp, "images.safetensors"), output = Path.Combine(tmp, "clip.safetensors");
        SafeTensors.Save(images, new Dictionary<string, Tensor> { ["image"] = io["image"] });
        var args = new List<string> { "clip", "--checkpoint", Fixtures.File("clip", "clip.safetensors"), "--vocab", vocab, "--image-tensors", images, "--out", output };
        foreach (var t in texts) { args.Add("--text"); args.Add(t); }
        var run = Faceweb([.. args]);
        Assert.True(run.Code == 0, run.Err);
        using var result = CheckpointReader.Load(output);
        Assert.True(io["tokens"].eq(result["tokens"]).all().item<bool>());
        Fixtures.AssertClose(io["text_features"], result["text_features"], "text_features via CLI");
        Fixtures.AssertClose(io["image_features"], result["image_features"], "image_features via CLI");
    }

    [Fact]
    public void StyleClip_commands_precompute_into_a_pack_and_edit()
    {
        string pack = FixturePack("pack");

        var stats = Faceweb("precompute", "stylespace", "--pack", pack, "--samples", "500");
        Assert.True(stats.Code == 0, $"exit {stats.Code}: {stats.Err}");
        var fs3 = Faceweb(["precompute", "fs3", "--pack", pack, "--images", "1", .. ClipArgs]);
        Assert.True(fs3.Code == 0, $"exit {fs3.Code}: {fs3.Err}");
        Assert.Contains("fs3 over 1 images (the pack's fs3 is not extended: the pack has none)", fs3.Out);
        var more = Faceweb(["precompute", "fs3", "--pack", pack, "--images", "2", .. ClipArgs]);     // adds one image, runs only that one
        Assert.True(more.Code == 0, $"exit {more.Code}: {more.Err}");
        Assert.Contains("fs3: adding images 2–2 to the pack's fs3 over 1", more.Out);
        SafeTensors.Load(Path.Combine(pack, "fs3.safetensors"), out var fs3Meta);
        Assert.Equal("2", fs3Meta["images"]);
        var roles = ModelPack.Load(pack).Manifest.Files.Select(f => f.Role).ToList();   // verifies every SHA-256 too
        Assert.Equal(["generator", "stylespace-stats", "fs3"], roles);

        var global = Faceweb(["edit", "global", "--pack", pack, .. ClipArgs, "--target", "a smiling face", "--alpha", "-2:2:3", "--beta", "0.05", "--out", Path.Combine(tmp, "g")]);
        Assert.True(global.Code == 0, $"exit {global.Code}: {global.Err}");
        Assert.Matches(@"moves \d+ channels", global.Out);
        Assert.Equal(4, Directory.GetFiles(Path.Combine(tmp, "g")).Length);

        var ganspace = Faceweb("edit", "ganspace", "--checkpoint", Fixtures.File("stylegan2", "generator.pt"), "--alpha", "-2:2:3", "--layers", "coarse", "--out", Path.Combine(tmp, "pc"));
        Assert.True(ganspace.Code == 0, $"exit {ganspace.Code}: {ganspace.Err}");
        Assert.Contains("GANSpace, direction 0", ganspace.Out);
        Assert.Equal(4, Directory.GetFiles(Path.Combine(tmp, "pc")).Length);
        var noSuchDirection = Faceweb("edit", "ganspace", "--checkpoint", Fixtures.File("stylegan2", "generator.pt"), "--component", "99", "--out", Path.Combine(tmp, "pc2"));
        Assert.Equal(2, noSuchDirection.Code);
        Assert.Contains("principal directions", noSuchDirection.Err);

        var mapper = Faceweb("edit", "mapper", "--checkpoint", Fixtures.File("stylegan2", "generator.pt"), "--mapper", Fixtures.File("styleclip", "mapper.pt"), "--out", Path.Combine(tmp, "m"));
        Assert.True(mapper.Code == 0, $"exit {mapper.Code}: {mapper.Err}");
        var opt = Faceweb(["edit", "optimize", "--pack", pack, .. ClipArgs, "--target", "a smiling face", "--steps", "4", "--out", Path.Combine(tmp, "o")]);
        Assert.True(opt.Code == 0, $"exit {opt.Code}: {opt.Err}");
        var withId = Faceweb(["edit", "optimize", "--pack", pack, .. ClipArgs, "--target", "a smiling face", "--steps", "2",
            "--identity", Fixtures.File("arcface", "ir_se50_w4.pth"), "--id-lambda", "0.1", "--out", Path.Combine(tmp, "oid")]);
        Assert.True(withId.Code == 0, $"exit {withId.Code}: {withId.Err}");
        var idWithoutModel = Faceweb(["edit", "optimize", "--pack", pack, .. ClipArgs, "--target", "x", "--steps", "2", "--id-lambda", "0.1", "--out", Path.Combine(tmp, "nid")]);
        Assert.Equal(2, idWithoutModel.Code);
        Assert.Contains("identity model", idWithoutModel.Err);
        var inDomainWithoutEncoder = Faceweb(["edit", "optimize", "--pack", pack, .. ClipArgs, "--target", "x", "--steps", "2", "--domain-lambda", "2", "--out", Path.Combine(tmp, "nde")]);
        Assert.Equal(2, inDomainWithoutEncoder.Code);                                   // the fixture pack has no encoder: plain unless asked
        Assert.Contains("needs an encoder", inDomainWithoutEncoder.Err);

        var noSpace = Faceweb("edit", "optimize", "--pack", pack, "--target", "x", "--out", Path.Combine(tmp, "x"));
        Assert.Equal(2, noSpace.Code);
        Assert.Contains("--clip", noSpace.Err);
        var badAlpha = Faceweb(["edit", "global", "--pack", pack, .. ClipArgs, "--target", "x", "--alpha", "1:nan:3", "--out", Path.Combine(tmp, "y")]);
        Assert.Equal(2, badAlpha.Code);
    }

    [Fact]
    public void InterFaceGan_commands_train_a_text_boundary_into_a_pack_and_edit_along_it()
    {
        string pack = FixturePack("ifg");

        var train = Faceweb(["train", "boundary", "--pack", pack, .. ClipArgs, "--attribute", "blond hair", "--samples", "600", "--ratio", "0.1"]);
        Assert.True(train.Code == 0, train.Err);
        Assert.Matches(@"validation accuracy \d+", train.Out);
        Assert.Contains("boundary:blond hair", ModelPack.Load(pack).Manifest.Files.Select(f => f.Role));

        var edit = Faceweb("edit", "interfacegan", "--pack", pack, "--attribute", "blond hair", "--alpha", "-2:2:3", "--out", Path.Combine(tmp, "e"));
        Assert.True(edit.Code == 0, edit.Err);
        Assert.Equal(4, Directory.GetFiles(Path.Combine(tmp, "e")).Length);

        var coarse = Faceweb("edit", "interfacegan", "--pack", pack, "--attribute", "blond hair", "--alpha", "3", "--layers", "coarse,middle", "--out", Path.Combine(tmp, "c"));
        Assert.True(coarse.Code == 0, coarse.Err);
        var badLayers = Faceweb("edit", "interfacegan", "--pack", pack, "--attribute", "blond hair", "--layers", "top", "--out", Path.Combine(tmp, "l"));
        Assert.Equal(2, badLayers.Code);
        Assert.Contains("--layers 'top'", badLayers.Err);

        var unknown = Faceweb("edit", "interfacegan", "--pack", pack, "--attribute", "wings", "--out", Path.Combine(tmp, "u"));
        Assert.Equal(2, unknown.Code);
        Assert.Contains("boundary:wings", unknown.Err);
    }

    [Fact]
    public void Text2face_sketch2face_and_compare_write_images_and_tables()
    {
        string pack = FixturePack("create");
        var prior = Faceweb(["train", "prior", "--pack", pack, .. ClipArgs, "--steps", "20"]);
        Assert.True(prior.Code == 0, prior.Err);
        Assert.Contains("prior:text-to-w", ModelPack.Load(pack).Manifest.Files.Select(f => f.Role));
        var byPrior = Faceweb(["text2face", "--pack", pack, .. ClipArgs, "--text", "a smiling woman", "--method", "prior", "--seeds", "0-1", "--out", Path.Combine(tmp, "p")]);
        Assert.True(byPrior.Code == 0, byPrior.Err);
        using (var doc = System.Text.Json.JsonDocument.Parse(byPrior.Out.Trim().Split('\n')[^1]))
        {
            Assert.Equal(2, doc.RootElement.GetProperty("text_score").GetArrayLength());
            Assert.All(doc.RootElement.GetProperty("detail").EnumerateArray(), d => Assert.Contains("prior", d.GetString()));   // what each face was made from
        }
        Assert.Equal(3, Directory.GetFiles(Path.Combine(tmp, "p"), "*.png").Length);
        var byOpt = Faceweb(["text2face", "--pack", pack, .. ClipArgs, "--text", "a smiling woman", "--steps", "3", "--seeds", "0", "--out", Path.Combine(tmp, "t")]);
        Assert.True(byOpt.Code == 0, byOpt.Err);
        Assert.Contains("\"method\":\"optimise\"", byOpt.Out);                         // no sliders in this pack: attributes cannot be the default

        string sketch = Path.Combine(tmp, "sketch.png");
        using (var white = ones(3, 64, 64)) { white[.., 30..34, 10..54] = full(3, 4, 44, -1f); File.WriteAllBytes(sketch, ImageTensors.ToPng(white)); }
        var fromSketch = Faceweb(["sketch2face", "--pack", pack, .. ClipArgs, "--sketch", sketch, "--text", "a face", "--steps", "4", "--out", Path.Combine(tmp, "s")]);
        Assert.True(fromSketch.Code == 0, fromSketch.Err);
        Assert.Contains("sketch loss", fromSketch.Out);
        // #20: a sketch encoder for the pack (resumable), then sketch → face starts from it by default.
        string state = Path.Combine(tmp, "sketch-state.safetensors");
        var sk = Faceweb("train", "sketch-encoder", "--pack", pack, "--steps", "3", "--batch", "2", "--state", state);
        Assert.True(sk.Code == 0, sk.Err);
        Assert.Contains("sketch-encoder", ModelPack.Load(pack).Manifest.Files.Select(f => f.Role));
        var resumed = Faceweb("train", "sketch-encoder", "--pack", pack, "--steps", "5", "--batch", "2", "--state", state);
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Contains("resuming from step 3", resumed.Out);
        Assert.Contains("(step 5)", resumed.Out);
        var byEncoder = Faceweb("sketch2face", "--pack", pack, "--sketch", sketch, "--out", Path.Combine(tmp, "se"));
        Assert.True(byEncoder.Code == 0, byEncoder.Err);
        Assert.Contains("sketch encoder, one pass: lines", byEncoder.Out);
        Assert.Equal(["encoder.png", "grid.png", "sketch_in.png", "sketch_out.png"], Directory.GetFiles(Path.Combine(tmp, "se")).Select(Path.GetFileName).Order());
        var refined = Faceweb(["sketch2face", "--pack", pack, .. ClipArgs, "--sketch", sketch, "--text", "a face", "--steps", "2", "--out", Path.Combine(tmp, "sr")]);
        Assert.True(refined.Code == 0, refined.Err);
        Assert.Contains("step 2/2", refined.Out);
        Assert.Contains("\"method\":\"refine\"", refined.Out);                               // a caption acts during refinement: refine is its default
        var captionInOnePass = Faceweb("sketch2face", "--pack", pack, "--sketch", sketch, "--method", "encoder", "--text", "a face", "--out", Path.Combine(tmp, "sx"));
        Assert.Equal(2, captionInOnePass.Code);
        Assert.Contains("--text acts during refinement", captionInOnePass.Err + captionInOnePass.Out);
        var sketches = Faceweb("sketch", "--pack", pack, "--seeds", "0-1", "--training", "2", "--out", Path.Combine(tmp, "sketches.png"));
        Assert.True(sketches.Code == 0, sketches.Err);
        using (var img = SixLabors.ImageSharp.Image.Load(Path.Combine(tmp, "sketches.png"))) Assert.True(img.Width > img.Height, "two rows of four");
        File.WriteAllText(Path.Combine(tmp, "fake.png"), "not a png at all");
        var bad = Faceweb("sketch2face", "--pack", pack, "--sketch", Path.Combine(tmp, "fake.png"), "--out", Path.Combine(tmp, "b"));
        Assert.Equal(2, bad.Code);
        Assert.Contains("not an image", bad.Err);

        var compare = Faceweb(["compare", "--pack", pack, .. ClipArgs, "--identity", Fixtures.File("arcface", "ir_se50_w4.pth"), "--seeds", "0-1",
            "--target", "a smiling face", "--steps", "3", "--out", Path.Combine(tmp, "cmp.png")]);
        Assert.True(compare.Code == 0, compare.Err);
        using var table = System.Text.Json.JsonDocument.Parse(compare.Out.Trim().Split('\n')[^1]);
        var methods = table.RootElement.EnumerateArray().Select(r => r.GetProperty("method").GetString()).ToList();
        Assert.Equal(2 * 4, methods.Count);                        // source, StyleCLIP and TediGAN optimisation, GANSpace per seed: no fs3, mapper or slider here
        Assert.Contains("TediGAN optimisation", methods);
        Assert.Contains("GANSpace", methods);
        var source = table.RootElement[0];
        Assert.Equal(0, source.GetProperty("pixel_distance").GetDouble());
        Assert.Equal(1, source.GetProperty("identity").GetDouble(), 3);
        var grid = SixLabors.ImageSharp.Image.Identify(File.ReadAllBytes(Path.Combine(tmp, "cmp.png")));
        Assert.Equal((4 * 256, 2), (grid.Width, grid.Height / 256));   // 4 columns, 2 rows of cell + caption
    }

    /// <summary>#18: train judge learns the CelebA judge from a CelebA-shaped folder and writes it outside any pack; without
    /// --datasets it refuses in one line.</summary>
    [Fact]
    public void Train_judge_writes_a_celeba_judge_from_the_training_split()
    {
        string set = Path.Combine(tmp, "ds", "celeba10k-89x109");
        Directory.CreateDirectory(Path.Combine(set, "images"));
        var rng = new Random(3);
        var lines = new List<string> { "60", "Blond_Hair Eyeglasses Smiling Male" };
        for (int i = 1; i <= 60; i++)
        {
            string name = $"{i:000000}.jpg";
            using (var img = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(89, 109))
            {
                img.ProcessPixelRows(rows =>
                {
                    for (int y = 0; y < rows.Height; y++)
                        foreach (ref var px in rows.GetRowSpan(y)) px = new((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));
                });
                SixLabors.ImageSharp.ImageExtensions.SaveAsJpeg(img, Path.Combine(set, "images", name));
            }
            lines.Add(name + string.Concat(Enumerable.Range(0, 4).Select(_ => rng.Next(2) == 0 ? " -1" : " 1")));
        }
        File.WriteAllLines(Path.Combine(set, "list_attr_celeba.txt"), lines);
        string judge = Path.Combine(tmp, "judges", "celeba.safetensors"), report = Path.Combine(tmp, "judge.json");
        var (code, stdout, err) = Faceweb("train", "judge", "--datasets", Path.Combine(tmp, "ds"), "--epochs", "1", "--batch", "8", "--out", judge, "--report", report);
        Assert.True(code == 0, err + stdout);
        using (var loaded = Engine.Evaluation.CelebAJudge.Load(judge))
            Assert.Equal(["Blond_Hair", "Eyeglasses", "Smiling", "Male"], loaded.Attributes);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(report));
        Assert.Equal(4, doc.RootElement.GetArrayLength());
        int held = doc.RootElement[0].GetProperty("Count").GetInt32();
        Assert.InRange(held, 1, 59);                                                       // the held-out split only
        Assert.Contains("Blond_Hair", stdout);

        var missing = Faceweb("train", "judge", "--epochs", "1");
        Assert.Equal(2, missing.Code);
        Assert.Contains("--datasets is required", missing.Err + missing.Out);
    }

    [Fact]
    public void Invert_turns_a_photo_into_a_latent_and_reports_its_reconstruction()
    {
        string photo = Path.Combine(tmp, "face.png");
        using (var g = Engine.Generators.StyleGan2.StyleGan2Generator.Load(Fixtures.File("stylegan2", "generator.pt")))
        using (no_grad()) File.WriteAllBytes(photo, ImageTensors.ToPng(g.Synthesize(g.WPlusFromZ(randn([1, 64], generator: new Generator(5)), 0.7))));
        var run = Faceweb("invert", photo, "--checkpoint", Fixtures.File("stylegan2", "generator.pt"), "--encoder", Fixtures.File("e4e", "e4e_w4.pt"),
            "--refine", "5", "--identity", Fixtures.File("arcface", "ir_se50_w4.pth"), "--no-align", "--out", Path.Combine(tmp, "inv", "face.safetensors"));
        Assert.True(run.Code == 0, run.Err);
        using var doc = System.Text.Json.JsonDocument.Parse(run.Out.Trim().Split('\n')[^1]);
        Assert.InRange(doc.RootElement.GetProperty("identity").GetDouble(), -1, 1);
        using var sd = CheckpointReader.Load(Path.Combine(tmp, "inv", "face.safetensors"));
        Assert.Equal([1, 10, 64], sd["wplus"].shape);
        Assert.True(File.Exists(Path.Combine(tmp, "inv", "face.png")));
        File.WriteAllText(Path.Combine(tmp, "fake.jpg"), "<html>not a photo</html>");
        var bad = Faceweb("invert", Path.Combine(tmp, "fake.jpg"), "--checkpoint", Fixtures.File("stylegan2", "generator.pt"), "--out", Path.Combine(tmp, "x.safetensors"));
        Assert.Equal(2, bad.Code);
        var noFace = Faceweb("invert", photo, "--checkpoint", Fixtures.File("stylegan2", "generator.pt"), "--out", Path.Combine(tmp, "y.safetensors"));
        Assert.Equal(2, noFace.Code);                                                   // the fixture generator draws no face to align
        Assert.Contains("no face found", noFace.Err);
        Assert.Contains("not a PNG, JPEG or WebP", bad.Err);
    }

    [Fact]
    public void Captions_writes_json_lines_with_a_split()
    {
        string attr = Path.Combine(tmp, "attr.txt"), output = Path.Combine(tmp, "captions.jsonl");
        File.WriteAllLines(attr, ["2", "Male Smiling Eyeglasses", "a.jpg 1 1 -1", "b.jpg -1 -1 1"]);
        var run = Faceweb("captions", "--celeba", attr, "--per-image", "2", "--out", output);
        Assert.True(run.Code == 0, run.Err);
        var lines = File.ReadAllLines(output);
        Assert.Equal(2, lines.Length);
        using var doc = System.Text.Json.JsonDocument.Parse(lines[1]);
        Assert.Equal("b.jpg", doc.RootElement.GetProperty("image").GetString());
        Assert.Contains(doc.RootElement.GetProperty("split").GetString(), new[] { "train", "holdout" });
        Assert.All(doc.RootElement.GetProperty("captions").EnumerateArray(), c => Assert.Contains("woman", c.GetString()));
        Assert.Equal(2, Faceweb("captions", "--out", output).Code);
    }
}
