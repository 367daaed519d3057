using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators.StyleGan2;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>GANSpace's principal directions and their edit, as the pack editor runs them (no fixtures needed: a small
/// generator with seeded random weights).</summary>
public sealed class GanSpaceTests : IDisposable
{
    static readonly StyleGan2Config Small = new(16, 32, 3, new Dictionary<int, int> { [4] = 16, [8] = 16, [16] = 8 });
    readonly StyleGan2Generator g = new(Small, seed: 1);
    readonly FaceEngine engine;

    public GanSpaceTests()
    {
        g.EstimateLatentAvg();
        engine = new FaceEngine(g, new PackInfo("small", false, 16, "test", "random"));
    }

    /// <summary>An editor confined to the test's own thread (xunit may construct the class on another).</summary>
    PackEditor Editor() => PackEditor.FromParts(engine, space: null);

    [Fact]
    public void The_first_direction_explains_the_most_variance_of_w()
    {
        using var p = PrincipalDirections.Compute(g, samples: 4000, components: 8);
        var explained = p.Explained.data<float>().ToArray();
        Assert.Equal(explained.OrderDescending(), explained);
        Assert.True(explained.Sum() <= 1.0001f, $"explained fractions sum to {explained.Sum()}");
        using var gram = p.Components.matmul(p.Components.t());
        Assert.True(gram.allclose(eye(8), atol: 1e-4), "the directions are orthonormal");

        // On fresh samples, w varies along v₀ more than along any other direction found and more than along 50 random ones.
        using var _ = no_grad();
        var w = g.Map(randn([4000, 32], generator: new Generator(99)));
        var centred = w - w.mean([0]);
        var along = centred.matmul(p.Components.t()).var(0).data<float>().ToArray();          // variance per direction
        Assert.True(along[0] > along.Skip(1).Max(), $"variance along v₀ {along[0]:F4} vs the others' largest {along.Skip(1).Max():F4}");
        var random = nn.functional.normalize(randn([50, 32], generator: new Generator(7)), dim: 1);
        float randomMax = centred.matmul(random.t()).var(0).max().item<float>();
        Assert.True(along[0] > randomMax, $"variance along v₀ {along[0]:F4} vs the best of 50 random directions {randomMax:F4}");
        Assert.Equal(p.Std[0].item<float>(), MathF.Sqrt(along[0]), 0.15f * MathF.Sqrt(along[0]));          // σ₀ as measured

        using var again = PrincipalDirections.Compute(g, samples: 4000, components: 8);
        Assert.Equal(0, (again.Components - p.Components).abs().max().item<float>());        // the same pack, the same directions (signs fixed)
    }

    [Fact]
    public void Moving_along_the_first_direction_changes_the_image_more_the_further_it_goes()
    {
        using var editor = Editor();
        using var start = editor.SeedStart(3, 0.7);
        using var source = editor.Render(start);
        double Change(double alpha)
        {
            using var r = editor.Apply(start, new PrincipalEdit(0, alpha));
            Assert.Equal(EditMethod.PrincipalDirections, r.Method);
            Assert.Contains("direction 0", r.Detail);
            return (r.Image - source.Image).abs().mean().item<float>();
        }
        Assert.Equal(0, Change(0), 6);
        double near = Change(1), far = Change(3);
        Assert.True(near > 1e-3 && far > near, $"mean |Δ| at α 1σ: {near:F4}, at 3σ: {far:F4}");

        // Only the chosen rows move.
        using var coarse = editor.Apply(start, new PrincipalEdit(0, 3, LayerGroups.Coarse));
        var moved = (coarse.Latent! - start).abs().sum(2).squeeze(0).data<float>().ToArray();
        Assert.All(moved.Take(4), m => Assert.True(m > 0));
        Assert.All(moved.Skip(4), m => Assert.Equal(0, m));
        Assert.Throws<ArgumentException>(() => editor.Apply(start, new PrincipalEdit(20, 1)));
    }

    [Fact]
    public void The_editor_refuses_calls_from_another_thread()
    {
        using var editor = Editor();
        using var start = editor.SeedStart(0, 0.7);
        var e = Assert.Throws<AggregateException>(() => Task.Run(() => editor.Apply(start, new PrincipalEdit(0, 1)), TestContext.Current.CancellationToken).Wait(TestContext.Current.CancellationToken));
        Assert.IsType<InvalidOperationException>(e.InnerException);
        Assert.Contains("engine thread", e.InnerException!.Message);
    }

    public void Dispose() => engine.Dispose();
}
