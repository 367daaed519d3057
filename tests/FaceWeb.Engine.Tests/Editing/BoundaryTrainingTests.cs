using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators.StyleGan2;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>InterFaceGAN boundary learning on the fixture generator with synthetic scorers.</summary>
public sealed class BoundaryTrainingTests(BoundaryTrainingTests.Samples data) : IClassFixture<BoundaryTrainingTests.Samples>
{
    /// <summary>One sampling run shared by the tests: latents with both synthetic scores.</summary>
    /// <summary>Made on first use inside a test, so that without ../shared the tests skip (saying what is missing)
    /// instead of the class fixture failing.</summary>
    public sealed class Samples : IDisposable
    {
        readonly Lazy<(StyleGan2Generator G, Tensor Codes, Tensor[] Scores)> made = new(() =>
        {
            var g = StyleGan2Generator.Load(Fixtures.File("stylegan2", "generator.pt"));
            var (codes, scores) = BoundaryTrainer.Sample(g, [Centre, Whole], Options);
            return (g, codes, scores);
        });
        public StyleGan2Generator G => made.Value.G;
        public Tensor Codes => made.Value.Codes;
        public Tensor[] Scores => made.Value.Scores;
        public void Dispose() { if (made.IsValueCreated) made.Value.G.Dispose(); }
    }

    sealed class Brightness(string name, int from, int to) : IAttributeScorer
    {
        public string Attribute => name;
        public Tensor Score(Tensor images) => images[.., .., TensorIndex.Slice(from, to), TensorIndex.Slice(from, to)].mean([1, 2, 3]);
    }

    StyleGan2Generator g => data.G;
    static readonly IAttributeScorer Centre = new Brightness("centre brightness", 24, 40), Whole = new Brightness("brightness", 0, 64);
    static readonly BoundaryOptions Options = new(Samples: 6000, Ratio: 0.1, Batch: 32, SvmIterations: 1000);

    double[] ScoresAlong(IAttributeScorer scorer, Tensor normal, double[] alphas)
    {
        using var _ = no_grad();
        var w = g.Map(randn([8, 64], generator: new Generator(99)));
        return alphas.Select(a => scorer.Score(g.Synthesize(g.Broadcast(w + a * normal))).mean().item<float>() * 1.0).ToArray();
    }

    [Fact]
    public void Learned_boundary_separates_and_moving_along_it_raises_the_score_monotonically()
    {
        var b = BoundaryTrainer.Fit(data.Codes, data.Scores[0], Options);
        Assert.True(b.ValidationAccuracy >= 0.9, $"validation accuracy {b.ValidationAccuracy:P1}");
        Assert.Equal(1.0, b.Normal.norm().item<float>(), 4);
        var s = ScoresAlong(Centre, b.Normal, [-3, -1.5, 0, 1.5, 3]);
        for (int i = 1; i < s.Length; i++) Assert.True(s[i] > s[i - 1], string.Join(", ", s.Select(x => x.ToString("F4"))));
    }

    [Fact]
    public void Conditional_edit_keeps_the_other_attribute_while_the_unconditional_one_does_not()
    {
        var centre = BoundaryTrainer.Fit(data.Codes, data.Scores[0], Options).Normal;
        var whole = BoundaryTrainer.Fit(data.Codes, data.Scores[1], Options).Normal;
        var conditional = InterFaceGan.ProjectBoundary(centre, whole);
        double[] alphas = [0, 0.5];
        double Change(IAttributeScorer s, Tensor n) { var v = ScoresAlong(s, n, alphas); return v[1] - v[0]; }
        double keptUncond = Change(Whole, centre), keptCond = Change(Whole, conditional);
        Assert.True(Math.Abs(keptCond) < 0.3 * Math.Abs(keptUncond), $"other attribute moved {keptUncond:F4} unconditionally, {keptCond:F4} conditionally");
        Assert.True(Change(Centre, conditional) > 0, "the edited attribute still rises");
    }

    /// <summary>precompute boundaries --keep-colour: each slider not about a colour is projected off the face-brightness
    /// boundary, and its file says so.</summary>
    [Fact]
    public void A_boundary_conditioned_on_the_face_brightness_is_orthogonal_to_it_and_its_file_says_so()
    {
        var scorer = new FaceBrightnessScorer();
        var images = rand([2, 3, 64, 64], generator: new Generator(5)) * 2 - 1;
        images[1, .., 16..48, 16..48] = images[1, .., 16..48, 16..48] * 0.5 + 0.5;                 // a brighter face region
        var score = scorer.Score(images);
        Fixtures.AssertClose(Generators.ImageTensors.FaceColour(images).mean([1]), score, "the face colour's mean over channels", 1e-5);
        Assert.True(score[1].item<float>() > score[0].item<float>() + 50, $"{score[0].item<float>():F1} → {score[1].item<float>():F1} levels");

        var plain = BoundaryTrainer.Fit(data.Codes, data.Scores[0], Options);
        var brightness = BoundaryTrainer.Fit(data.Codes, data.Scores[1], Options).Normal;
        var kept = BoundaryTrainer.Conditioned(plain, brightness, FaceBrightnessScorer.Name);
        Assert.Equal((FaceBrightnessScorer.Name, plain.ValidationAccuracy), (kept.ConditionedOn, kept.ValidationAccuracy));
        Assert.Equal(0, kept.Normal.matmul(brightness.t()).item<float>(), 4);
        Assert.Equal(1, kept.Normal.norm().item<float>(), 4);
        Assert.True(kept.Normal.matmul(plain.Normal.t()).item<float>() > 0, "still the same way as the plain normal");

        // Several sliders from one run (the CLI's built-in sliders, the app's learned one): kept unless left out.
        var both = BoundaryTrainer.FitSliders(data.Codes, [data.Scores[0], data.Scores[0]], Options, data.Scores[1], FaceBrightnessScorer.Name, i => i == 0);
        Assert.Equal(FaceBrightnessScorer.Name, both[0].Boundary.ConditionedOn);
        Fixtures.AssertClose(kept.Normal, both[0].Boundary.Normal, "kept through FitSliders", 1e-5);
        Assert.Equal(kept.Normal.matmul(plain.Normal.t()).item<float>(), both[0].CosineWithPlain, 5);
        Assert.True(both[0].CosineWithPlain < 1);
        Assert.Null(both[1].Boundary.ConditionedOn);
        Fixtures.AssertClose(plain.Normal, both[1].Boundary.Normal, "left out: the plain normal", 1e-6);
        Assert.Equal(1, both[1].CosineWithPlain);
        string path = Path.Combine(Path.GetTempPath(), $"faceweb-boundary-{Guid.NewGuid():N}.safetensors");
        try
        {
            BoundaryTrainer.Save(kept, "centre", path);
            Checkpoints.SafeTensors.Load(path, out var meta).Values.ToList().ForEach(t => t.Dispose());
            Assert.Equal(FaceBrightnessScorer.Name, meta["conditioned_on"]);
            BoundaryTrainer.Save(plain, "centre", path);
            Checkpoints.SafeTensors.Load(path, out meta).Values.ToList().ForEach(t => t.Dispose());
            Assert.False(meta.ContainsKey("conditioned_on"));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Bad_options_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new BoundaryOptions(Samples: 5).Validate());
        Assert.Throws<ArgumentException>(() => new BoundaryOptions(Ratio: 0.9).Validate());
        Assert.Throws<ArgumentException>(() => BoundaryTrainer.Fit(zeros(100, 4), full(100, float.NaN), new BoundaryOptions(Samples: 100, Ratio: 0.2)));
    }
}
