using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>FaceCLIP-mini's image tower learns to land on locked MiniLM caption embeddings (synthetic concepts).</summary>
public sealed class FaceClipTests
{
    static readonly string[] Concepts = ["a face with red hair", "a smiling old man", "a woman with glasses", "a child with blond hair", "a man with a beard", "a dark photo of a face"];

    /// <summary>Noise images whose colour and stripe frequency depend on the concept: [N,3,64,64] in [−1,1].</summary>
    static Tensor Images(int[] concepts, Generator rng)
    {
        var imgs = concepts.Select(c =>
        {
            var colour = tensor(new float[] { (c % 3 - 1) * 0.6f, (c / 3 - 0.5f) * 0.8f, ((c * 7) % 5 - 2) * 0.25f }).view(3, 1, 1);
            var stripes = sin(arange(64).to(float32) * (0.2 + 0.15 * c)).view(1, 1, 64) * 0.3;
            return (colour + stripes + 0.3 * randn([3, 64, 64], generator: rng)).clamp(-1, 1);
        }).ToArray();
        return stack(imgs, 0);
    }

    [Fact]
    public void Contrastive_training_matches_images_to_their_captions_and_the_tower_round_trips()
    {
        using var text = new MiniLmTextEncoder();
        using var space = new FaceClipSpace(text, new FaceClipImageTower(width: 16));
        var textEmb = space.EmbedTexts(Concepts);                                  // [6,384], locked
        var rng = new Generator(1);
        var tower = space.Tower;
        tower.train();
        using (var adam = optim.Adam(tower.parameters(), 3e-3))
            for (int step = 0; step < 120; step++)
            {
                using var scope = NewDisposeScope();
                var concepts = Enumerable.Range(0, 6).ToArray();
                var loss = tower.ContrastiveLoss(tower.forward(Images(concepts, rng)), textEmb.index_select(0, tensor(concepts.Select(c => (long)c).ToArray())));
                adam.zero_grad();
                loss.backward();
                adam.step();
            }
        tower.eval();
        using var _ = no_grad();
        var held = Enumerable.Range(0, 6).SelectMany(c => new[] { c, c, c }).ToArray();
        var sims = space.EmbedImages(Images(held, new Generator(99))).matmul(textEmb.t());   // [18,6]
        double recall = sims.argmax(1).data<long>().Zip(held, (p, c) => p == c ? 1.0 : 0).Average();
        Assert.True(recall >= 0.8, $"held-out image→text recall@1 {recall:P0} (chance 17 %)");

        string file = Path.Combine(Path.GetTempPath(), $"faceclip-{Guid.NewGuid():N}.safetensors");
        try
        {
            tower.Save(file);
            using var loaded = FaceClipImageTower.Load(file);
            var x = Images([0, 3], new Generator(5));
            Fixtures.AssertClose(tower.forward(x), loaded.forward(x), "reloaded tower", 1e-5);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void The_space_embeds_generator_output_differentiably_at_any_size()
    {
        using var space = new FaceClipSpace(new MiniLmTextEncoder(), new FaceClipImageTower(width: 8));
        var x = (randn(2, 3, 128, 128) * 0.5).requires_grad_(true);
        var loss = space.ClipLoss(x, space.EmbedTexts(["a smiling face"])[0]).sum();
        loss.backward();
        Assert.Equal([2, 384], space.EmbedImages(x.detach()).shape);
        Assert.True(x.grad!.abs().sum().item<float>() > 0);
    }

    /// <summary>Solid-colour faces with a caption per colour: the training loop (with random views too: colour survives a
    /// crop, a shift and noise), retrieval and zero-shot bookkeeping.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_training_loop_learns_colour_captions_and_retrieval_counts_ranks(bool views)
    {
        string[] names = ["a face with red hair", "a face with green hair", "a face with blue hair"];
        using var text = new MiniLmTextEncoder();
        using var space = new FaceClipSpace(text, new FaceClipImageTower(width: 8));
        var textEmb = space.EmbedTexts(names);
        var rng = new Random(4);
        FaceSample Face(int c)
        {
            var px = new byte[64 * 64 * 3];
            for (int i = 0; i < px.Length; i++) px[i] = (byte)(i % 3 == c ? 160 + rng.Next(60) : rng.Next(60));
            return new FaceSample(new FaceLabels($"f{c}", "celeba", c == 0 ? new HashSet<string> { "Red" } : new HashSet<string>()), px);
        }
        var train = Enumerable.Range(0, 48).Select(i => Face(i % 3)).ToList();
        var steps = FaceClipTraining.Train(space.Tower, train, train.Select(f => new[] { f.Labels.Image[1] - '0' }).ToList(), textEmb,
            new FaceClipTrainingOptions(Steps: 60, Batch: 24, LearningRate: 5e-3, Warmup: 5, Views: views), TestContext.Current.CancellationToken).ToList();
        Assert.Equal(60, steps.Count);
        Assert.True(steps[^5..].Average(s => s.Loss) < steps[..5].Average(s => s.Loss) - 0.3, $"loss {steps[0].Loss:F3} → {steps[^1].Loss:F3}");
        Assert.False(space.Tower.training);

        var held = new[] { 0, 1, 2 }.Select(Face).ToList();
        using var images = FaceClipTraining.EmbedImages(space.Tower, held);
        var r = FaceClipTraining.Retrieval(images, textEmb);
        Assert.Equal((3, 1.0, 1.0), (r.Count, r.TextToImageR1, r.ImageToTextR1));
        Assert.Equal(1.0 / 3, r.Chance, 6);
    }

    [Fact]
    public void Retrieval_and_auc_count_exactly()
    {
        var img = eye(4);
        var txt = tensor(new float[,] { { 0, 1, 0, 0 }, { 0, 0.1f, 0.9f, 0 }, { 0, 0, 1, 0 }, { 0, 0, 0, 1 } });   // captions 0 and 1 point at images 1 and 2
        var r = FaceClipTraining.Retrieval(img, txt);
        Assert.Equal(0.5, r.TextToImageR1, 6);      // only captions 2 and 3 find their own image first
        Assert.Equal(1.0, r.TextToImageR5, 6);
        Assert.Equal(1.0, FaceClipTraining.Auc([0.1f, 0.2f, 0.8f, 0.9f], [false, false, true, true]));
        Assert.Equal(0.0, FaceClipTraining.Auc([0.1f, 0.2f, 0.9f], [true, true, false]));
        Assert.Equal(0.5, FaceClipTraining.Auc([0.5f, 0.5f], [true, false]));
        Assert.True(double.IsNaN(FaceClipTraining.Auc([1f, 2f], [true, true])));
    }
}
