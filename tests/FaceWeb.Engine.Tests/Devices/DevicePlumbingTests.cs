using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.TextImage;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>The engine's paths on libtorch's meta device (shapes and devices, no data), the CI's stand-in for a GPU: a
/// tensor made on the CPU where the engine's device was meant fails the first element-wise op it meets, or the model's
/// boundary check. What the meta device cannot run (batch norm, grid sampling, SVD: no C++ meta kernels) is named in ADR 0001.</summary>
public sealed class DevicePlumbingTests : IDisposable
{
    static readonly Device Meta = EngineDevice.Resolve("meta").Device;
    readonly FaceEngine engine = new(new StyleGan2Generator(
        new StyleGan2Config(32, 32, 2, new Dictionary<int, int> { [4] = 16, [8] = 16, [16] = 8, [32] = 8 }), seed: 1).MoveTo(Meta),
        new PackInfo("meta", false, 32, "", ""));

    public void Dispose() => engine.Dispose();

    /// <summary>A text–image space that meta can run, forward and backward (pooled colour → linear), moved like a pack's.</summary>
    sealed class PooledSpace : ITextImageSpace
    {
        readonly TorchSharp.Modules.Linear proj = nn.Linear(3, 8);
        public string Name => "pooled";
        public int EmbedDim => 8;
        public Tensor EmbedTexts(IReadOnlyList<string> texts) =>
            nn.functional.normalize(randn([texts.Count, 8], generator: new Generator(7)).to(proj.weight.device), dim: -1);
        public Tensor EmbedImages(Tensor generated)
        {
            var e = proj.forward(generated.mean([2, 3]));
            return e * rsqrt(e.square().sum(-1, keepdim: true));       // normalize's backward has no meta kernel
        }
        public void MoveTo(Device device) => proj.to(device);
        public void Dispose() => proj.Dispose();
    }

    static void OnMeta(Tensor? t, string what)
    {
        Assert.NotNull(t);
        Assert.True(t.device_type == DeviceType.META, $"{what} is on {t.device_type}");
    }

    [Fact]
    public void Seed_frames_and_previews_stay_on_the_engine_device()
    {
        OnMeta(engine.Generator.LatentAvg, "latent_avg");
        using var images = engine.SeedImages([(1, 0.7), (2, 1.0)]);
        using var previews = engine.SeedImages([(1, 0.7)], preview: 8);
        Assert.Equal([2, 3, 32, 32], images.shape);
        Assert.Equal([1, 3, 32, 32], previews.shape);
        OnMeta(images, "frames");
        OnMeta(previews, "previews");
        using var _ = no_grad();
        using var w = engine.SeedWPlus(3, 0.5);
        foreach (var noise in new[] { NoiseSpec.Const, NoiseSpec.Zero, NoiseSpec.Random(new Generator(4)), NoiseSpec.Random() })
            using (var img = engine.Generator.Synthesize(w, noise)) OnMeta(img, $"{noise.Mode} noise");
    }

    [Fact]
    public void Edits_and_an_optimisation_stay_on_the_engine_device()
    {
        var g = engine.Generator;
        using var space = new PooledSpace();
        space.MoveTo(Meta);
        using var stats = StyleSpaceStats.Compute(g, 4, batch: 4, ct: TestContext.Current.CancellationToken);
        long channels = Fs3Job.ManipulableLayers(g).Sum(l => (long)l.Channels);
        using var fs3 = randn(channels, 8).to(Meta);
        using var age = randn(1, g.Config.StyleDim).to(Meta);
        using var editor = PackEditor.FromParts(engine, space, stats, fs3,
            new Dictionary<string, AttributeDirection> { ["age"] = new("age", nn.functional.normalize(age, dim: -1), LatentSpace.W) });
        using var start = editor.SeedStart(5, 0.7);
        OnMeta(start, "start");
        var results = editor.ApplyAll([
            (start, new SliderEdit([("age", 2.0)])),
            (start, new SliderEdit([("age", -1.0)], Seed: 5)),
            (start, new GlobalDirectionEdit("a face", "a smiling face")),
        ]);
        foreach (var r in results)
        {
            OnMeta(r.Image, $"{r.Method} image");
            Assert.Equal([1, 3, 32, 32], r.Image.shape);
            r.Dispose();
        }
        var frames = editor.Optimise(start, new OptimiseEdit("a smiling face", Steps: 3, Frames: 1), TestContext.Current.CancellationToken).OfType<EditResult>().ToList();
        var last = Assert.Single(frames);
        OnMeta(last.Image, "optimisation frame");
        OnMeta(last.Latent, "optimisation latent");
        last.Dispose();
    }

    [Fact]
    public void A_latent_on_another_device_is_refused_with_both_devices_named()
    {
        using var cpuLatent = randn(1, engine.Generator.Config.NLatent, engine.Generator.Config.StyleDim);
        var e = Assert.Throws<ArgumentException>(() => engine.Generator.Synthesize(cpuLatent));
        Assert.Contains("W+ is on cpu, the model on meta", e.Message);
        using var cpuZ = randn(1, engine.Generator.Config.StyleDim);
        Assert.Throws<ArgumentException>(() => engine.Generator.Map(cpuZ));
        // and libtorch's own check where an element-wise op meets the two devices
        using var m = randn([2], device: Meta);
        using var c = randn(2);
        Assert.ThrowsAny<Exception>(() => m + c);
    }

    [Fact]
    public void Device_names_resolve_and_bad_ones_are_explained()
    {
        var auto = EngineDevice.Resolve("auto");
        Assert.Equal(DeviceType.CPU, auto.Device.type);                     // this build carries libtorch's CPU package
        Assert.Contains("CPU package", auto.Note);
        Assert.Equal(DeviceType.CPU, EngineDevice.Resolve(" CPU ").Device.type);
        Assert.Contains("CPU package", Assert.Throws<ArgumentException>(() => EngineDevice.Resolve("cuda:0")).Message);
        Assert.Contains("auto, cpu, cuda", Assert.Throws<ArgumentException>(() => EngineDevice.Resolve("tpu")).Message);
        Assert.Contains("cuda:N", Assert.Throws<ArgumentException>(() => EngineDevice.Resolve("cuda:x")).Message);
        Assert.StartsWith("device cpu (this build has", EngineDevice.Describe(auto));
    }

    [Fact]
    public void A_pack_moved_to_the_cpu_renders_the_same_frame_as_before()
    {
        using var a = FaceEngine.FromPack(Repository.DefaultPack());
        using var b = FaceEngine.FromPack(Repository.DefaultPack(), CPU);
        using var x = a.SeedImages([(7, 0.7)]);
        using var y = b.SeedImages([(7, 0.7)]);
        Assert.True((x == y).all().item<bool>());
    }
}
