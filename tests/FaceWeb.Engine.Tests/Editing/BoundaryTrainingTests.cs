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

    [Fact]
    public void Bad_options_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new BoundaryOptions(Samples: 5).Validate());
        Assert.Throws<ArgumentException>(() => new BoundaryOptions(Ratio: 0.9).Validate());
        Assert.Throws<ArgumentException>(() => BoundaryTrainer.Fit(zeros(100, 4), full(100, float.NaN), new BoundaryOptions(Samples: 100, Ratio: 0.2)));
    }
}
