using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Evaluation;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.Inversion;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>Text → face, sketch → face and region-restricted edits on the fixture generator and fixture CLIP.</summary>
public sealed class TediGanTests : IDisposable
{
    readonly StyleGan2Generator g = StyleGan2Generator.Load(Fixtures.File("stylegan2", "generator.pt"));
    readonly ClipSpace space = ClipSpace.Load(Fixtures.File("clip", "clip.safetensors"), Fixtures.File("clip", "bpe_simple_vocab_16e6.txt.gz"));
    CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() { g.Dispose(); space.Dispose(); }

    /// <summary>An oval face outline with two eyes, drawn dark on white: [1,1,64,64].</summary>
    static Tensor OvalSketch()
    {
        var px = new float[64 * 64];
        for (int y = 0; y < 64; y++)
            for (int x = 0; x < 64; x++)
            {
                double r = Math.Pow((x - 32) / 20.0, 2) + Math.Pow((y - 34) / 26.0, 2);
                bool eye = Math.Pow(x - 24, 2) + Math.Pow(y - 28, 2) < 9 || Math.Pow(x - 40, 2) + Math.Pow(y - 28, 2) < 9;
                px[y * 64 + x] = Math.Abs(r - 1) < 0.08 || eye ? 0 : 1;
            }
        return tensor(px, [1, 1, 64, 64]);
    }

    [Fact]
    public void Text_to_face_from_the_best_start_lowers_the_text_loss()
    {
        var text = space.EmbedTexts(["a smiling woman with blond hair"])[0];
        var start = TediGan.BestStart(g, space, text, candidates: 8, seed: 1);
        double Loss(Tensor w) { using var _ = no_grad(); return space.ClipLoss(g.Synthesize(w), text).item<float>(); }
        Assert.True(Loss(start) <= Loss(TediGan.MeanStart(g)) + 1e-6, "the best start is no worse than the mean latent");
        var frames = LatentOptimizer.Run(g, space, start, text, new OptimizationOptions(40, L2Lambda: 0, FrameEvery: 20), Ct).ToList();
        Assert.True(frames[^1].ClipLoss < Loss(start) - 0.05, $"text loss {Loss(start):F4} → {frames[^1].ClipLoss:F4}");
    }

    [Fact]
    public void The_learned_prior_scores_better_than_random_latents_for_unseen_captions()
    {
        using var prior = new TextToWPrior(space.EmbedDim, g.Config.StyleDim, hidden: 128);
        prior.Train(g, space, TextToWPrior.Captions, new PriorTrainingOptions(Steps: 60, Batch: 8, Samples: 128), ct: Ct);   // 0.15 against 0.08
        string[] unseen = ["a smiling old woman with glasses", "a young man with a beard and curly hair", "a sad child with red hair"];
        var t = space.EmbedTexts(unseen);
        using var _ = no_grad();
        double priorScore = (1 - space.ClipLoss(g.Synthesize(prior.WPlus(g, t)), t)).mean().item<float>();
        var random = g.WPlusFromZ(randn([16, g.Config.StyleDim], generator: new Generator(5)), 0.7);
        var img = space.EmbedImages(g.Synthesize(random));                          // [16,E]
        double randomScore = img.matmul(t.t()).mean().item<float>();
        Assert.True(priorScore > randomScore + 0.01, $"cos to caption: prior {priorScore:F4}, random {randomScore:F4}");

        string file = Path.Combine(Path.GetTempPath(), $"prior-{Guid.NewGuid():N}.safetensors");
        try
        {
            prior.Save(file, space.Name);
            using var loaded = TextToWPrior.Load(file);
            Fixtures.AssertClose(prior.forward(t), loaded.forward(t), "reloaded prior", 1e-6);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Sketch_loss_falls_and_moves_the_coarse_rows_while_a_caption_moves_the_fine_rows()
    {
        var target = TediGan.SketchTarget(OvalSketch(), 64);
        var start = TediGan.MeanStart(g);
        int split = TediGan.DefaultSplit(g.Config.NLatent);
        (double Coarse, double Fine) Moved(Tensor w) =>
            ((w - start)[.., TensorIndex.Slice(0, split)].abs().mean().item<float>(), (w - start)[.., TensorIndex.Slice(split, null)].abs().mean().item<float>());

        var sketch = TediGan.SketchToFace(g, target, space, space.EmbedTexts(["a smiling face"])[0], start, new SketchOptions(Steps: 40, TextLambda: 0, FrameEvery: 40), Ct).ToList();
        Assert.True(sketch[^1].SketchLoss < 0.9 * sketch[0].SketchLoss, string.Join(" ", sketch.Select(f => f.SketchLoss.ToString("F4"))));
        var bySketch = Moved(sketch[^1].Latent!);
        Assert.True(bySketch.Coarse > 2 * bySketch.Fine, $"sketch moved coarse {bySketch.Coarse:F4}, fine {bySketch.Fine:F4}");

        var caption = TediGan.SketchToFace(g, target, space, space.EmbedTexts(["a smiling face"])[0], start, new SketchOptions(Steps: 40, SketchLambda: 0, FrameEvery: 40), Ct).ToList();
        var byCaption = Moved(caption[^1].Latent!);
        Assert.True(byCaption.Fine > 2 * byCaption.Coarse, $"caption moved coarse {byCaption.Coarse:F4}, fine {byCaption.Fine:F4}");
        Assert.True(caption[^1].TextLoss < caption[0].TextLoss, "the caption's loss falls");
    }

    [Fact]
    public void Edge_maps_and_sketch_targets_are_in_range_and_bad_sketches_are_refused()
    {
        using var _ = no_grad();
        var edges = TediGan.EdgeMap(g.Synthesize(TediGan.MeanStart(g)));
        Assert.Equal([1, 1, 64, 64], edges.shape);
        Assert.InRange(edges.min().item<float>(), 0, 1);
        Assert.InRange(edges.max().item<float>(), 0, 1);
        var blank = TediGan.SketchTarget(ones(1, 1, 256, 256), 64);
        Assert.Equal(0, blank.abs().max().item<float>(), 6);
        Assert.True(TediGan.SketchTarget(OvalSketch(), 64).max().item<float>() > 0.5);
        Assert.Throws<ArgumentException>(() => TediGan.SketchTarget(ones(1, 3, 64, 64), 64));
        Assert.Throws<ArgumentException>(() => TediGan.SketchTarget(full(1, 1, 8, 8, float.NaN), 64));
        Assert.Throws<ArgumentException>(() => new SketchOptions(SplitRow: 10).Validate(10));
    }

    [Fact]
    public void The_in_domain_regulariser_keeps_w_closer_to_what_the_encoder_reads_from_the_image()
    {
        using var e4e = Encoder4Editing.Load(Fixtures.File("e4e", "e4e_w4.pt"));           // 10 styles of 64: the fixture generator's W+
        Tensor start;
        using (no_grad()) start = g.WPlusFromZ(randn([1, 64], generator: new Generator(4)), 0.7);
        var text = space.EmbedTexts(["a smiling face"])[0];
        double Gap(double lambda)
        {
            var last = LatentOptimizer.Run(g, space, start, text, new OptimizationOptions(15, L2Lambda: 0, FrameEvery: 15, DomainLambda: lambda), Ct, encoder: e4e).Last();
            using var _ = no_grad();
            return (last.Latent! - e4e.Encode(last.Image!)).square().mean().item<float>();
        }
        double free = Gap(0), kept = Gap(10);
        Assert.True(kept < 0.8 * free, $"mean (w − E(G(w)))²: λ_domain 0 → {free:F4}, λ_domain 10 → {kept:F4}");
        Assert.Throws<ArgumentException>(() => LatentOptimizer.Run(g, space, start, text, new OptimizationOptions(1, DomainLambda: 1), Ct).ToList());
    }

    [Fact]
    public void The_pack_s_own_encoder_serves_as_the_in_domain_regulariser_of_text_to_face()
    {
        using var engine = FaceEngine.FromPack(Repository.DefaultPack());
        using var editor = PackEditor.Open(engine, Repository.DefaultPack());
        double Gap(double domain)
        {
            using var last = editor.TextToFace("an old man with glasses", 3, TextToFaceMethod.Optimise, 10, frames: 1, domain: domain, ct: Ct).OfType<EditResult>().Last();
            using var _ = no_grad();
            return (last.Latent! - editor.Encoder!.Encode(last.Image)).square().mean().item<float>();
        }
        double free = Gap(0), kept = Gap(10);
        Assert.True(kept < 0.8 * free, $"mean (w − E(G(w)))² with the pack's encoder: λ_domain 0 → {free:F4}, λ_domain 10 → {kept:F4}");
    }

    [Fact]
    public void The_Edit_page_s_optimisation_moves_one_offset_in_W_kept_by_the_pack_s_encoder_and_is_plain_without_one()
    {
        using var engine = FaceEngine.FromPack(Repository.DefaultPack());
        using var editor = PackEditor.Open(engine, Repository.DefaultPack());
        var guided = editor.EditOptimisation("a smiling face", 3, frames: 1);
        Assert.Equal((PackEditor.EditDomain, true), (guided.DomainLambda, guided.SharedOffset));
        Assert.Same(editor.Encoder, guided.Encoder);
        var plain = editor.EditOptimisation("a smiling face", 3, frames: 1, domain: 0);   // the paper's
        Assert.Equal((0.0, false, true), (plain.DomainLambda, plain.SharedOffset, plain.Encoder is null));

        using var start = editor.SeedStart(3, 0.7);
        using var last = EditResult.Last(editor.Optimise(start, guided, Ct));
        Assert.Contains("in-domain λ 2, one offset in W", last.Detail);
        using (no_grad())
        {
            var offset = last.Latent! - start;                                              // [1,L,D]
            Assert.True(offset.abs().max().item<float>() > 1e-3, "the face moved");
            Assert.True((offset - offset[.., ..1]).abs().max().item<float>() < 1e-5, "every row moved by the same offset");
        }

        // A painted region still holds the rest of the face (the Edit page's region switch, now on the guided path).
        var region = zeros(1, 1, 64, 64);
        region[.., .., TensorIndex.Slice(0, 24)] = 1;                                      // the top (hair) band
        double Outside(Tensor? mask)
        {
            using var r = EditResult.Last(editor.Optimise(start, editor.EditOptimisation("a face with red hair", 15, frames: 1, region: mask), Ct));
            return MeanChangeOutside(editor.Generator, start, r.Image, region);
        }
        double free = Outside(null), kept = Outside(region);
        Assert.True(kept < 0.5 * free, $"mean |Δ| outside the region, guided: unrestricted {free:F4}, restricted {kept:F4}");

        using var bareEngine = new FaceEngine(g, new PackInfo("fixture", false, 64, "test", "fixture"));
        using var bare = PackEditor.FromParts(bareEngine, space);                            // no encoder: plain
        Assert.Equal((0.0, false), (bare.EditOptimisation("a face", 1).DomainLambda, bare.EditOptimisation("a face", 1).SharedOffset));
        Assert.Throws<ArgumentException>(() => bare.EditOptimisation("a face", 1, domain: 2));
    }

    [Fact]
    public void Compare_runs_every_applicable_method_or_just_one_and_measures_each()
    {
        using var engine = new FaceEngine(g, new PackInfo("fixture", false, 64, "test", "fixture"));
        using var editor = PackEditor.FromParts(engine, space);
        Tensor start;
        using (no_grad()) start = g.WPlusFromZ(randn([1, 64], generator: new Generator(2)), 0.7);
        var all = Compare.Run(editor, start, "a face", "a smiling face", new CompareRunOptions(OptimisationSteps: 3), Ct).ToList();
        Assert.Equal([EditMethod.Source, EditMethod.Optimisation, EditMethod.TediGan, EditMethod.PrincipalDirections], all.Select(c => c.Method));
        Assert.Equal(0, all[0].PixelDistance);
        Assert.All(all.Skip(1), c => Assert.True(c.PixelDistance > 0));
        var one = Compare.Run(editor, start, "a face", "a smiling face", new CompareRunOptions(OptimisationSteps: 5, Only: EditMethods.Parse("TediGAN optimisation")), Ct).ToList();
        Assert.Equal(EditMethod.TediGan, Assert.Single(one).Method);
        Assert.Contains("5 steps", one[0].Detail);
        Assert.Throws<ArgumentException>(() => EditMethods.Parse("magic"));
    }

    [Fact]
    public void A_region_restricted_edit_changes_pixels_outside_the_region_less()
    {
        Tensor start;
        using (no_grad()) start = g.WPlusFromZ(randn([1, 64], generator: new Generator(3)), 0.7);
        var text = space.EmbedTexts(["a face with red hair"])[0];
        var region = zeros(1, 1, 64, 64);
        region[.., .., TensorIndex.Slice(0, 24)] = 1;                                  // the top (hair) band
        double Outside(Tensor? mask)
        {
            var last = LatentOptimizer.Run(g, space, start, text, new OptimizationOptions(30, L2Lambda: 0, FrameEvery: 30), Ct, region: mask).Last();
            return MeanChangeOutside(g, start, last.Image!, region);
        }
        double free = Outside(null), kept = Outside(region);
        Assert.True(kept < 0.5 * free, $"mean |Δ| outside the region: unrestricted {free:F4}, restricted {kept:F4}");
        Assert.Throws<ArgumentException>(() => LatentOptimizer.Run(g, space, start, text, new OptimizationOptions(1), Ct, region: ones(1, 1, 32, 32)).ToList());
    }

    /// <summary>Mean |Δ| per channel between <paramref name="image"/> and the start's own image, outside <paramref name="region"/>.</summary>
    static double MeanChangeOutside(StyleGan2Generator g, Tensor start, Tensor image, Tensor region)
    {
        using var _ = no_grad();
        using var source = g.Synthesize(start);
        return ((image - source).abs() * (1 - region)).sum().item<float>() / (1 - region).sum().item<float>() / 3;
    }
}
