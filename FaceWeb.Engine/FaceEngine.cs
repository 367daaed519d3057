// The one engine per process: the loaded model pack's generator and the operations the app and CLI need.
// Not thread-safe by itself; the app calls it through Jobs/EngineScheduler (one worker thread).
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Generators;
using FaceWeb.Engine.Generators.StyleGan2;
using static TorchSharp.torch;

namespace FaceWeb.Engine;

/// <param name="Framing">how the pack's training faces were framed, which uploads are aligned to.</param>
/// <param name="MapperColourLambda">λ_colour for mappers trained on this pack (its recipe's; ADR 0015).</param>
/// <param name="ManifestSha256">the SHA-256 of the pack's manifest (which names every file's own), null without a pack.</param>
public sealed record PackInfo(string Name, bool Trained, int Resolution, string Description, string Source,
    Inversion.FaceFraming Framing = Inversion.FaceFraming.Ffhq, string? ManifestSha256 = null, double MapperColourLambda = 0);

/// <param name="Milliseconds">the forward of the batch it was rendered in.</param>
/// <param name="Batch">how many clients' frames that batch rendered.</param>
public sealed record SeedFrame(RgbImage Image, double Milliseconds, int Batch);

public sealed class FaceEngine : IDisposable
{
    public StyleGan2Generator Generator { get; }
    public PackInfo Pack { get; }

    public FaceEngine(StyleGan2Generator generator, PackInfo pack) => (Generator, Pack) = (generator, pack);

    /// <summary>Where the generator and everything the engine makes for it live (<see cref="EngineDevice"/>).</summary>
    public Device Device => Generator.Device;

    /// <summary>Loads a verified model pack (manifest.json with SHA-256) of kind "stylegan2", then moves it to <paramref name="device"/> (default: CPU).</summary>
    public static FaceEngine FromPack(string directory, Device? device = null)
    {
        var engine = FromPackOnCpu(directory);
        if (device is not null) engine.Generator.MoveTo(device);
        return engine;
    }

    static FaceEngine FromPackOnCpu(string directory)
    {
        var pack = ModelPack.Load(directory);
        if (pack.Manifest.Kind != "stylegan2")
            throw new CheckpointException($"{directory}: pack kind '{pack.Manifest.Kind}' is not supported (expected stylegan2).");
        var g = StyleGan2Generator.Load(pack.PathOf("generator"));
        return new FaceEngine(g, new PackInfo(pack.Manifest.Name, pack.Manifest.Trained, g.Config.Size,
            pack.Manifest.Description ?? "", Path.GetFullPath(directory), Inversion.FaceAligner.FramingOf(pack.Manifest),
            ModelPack.Sha256Of(Path.Combine(directory, ModelPack.ManifestName)), Editing.MapperTrainer.ColourLambdaOf(pack.Manifest)));
    }

    public static FaceEngine FromCheckpoint(string path, Device? device = null)
    {
        var g = StyleGan2Generator.Load(path);
        if (device is not null) g.MoveTo(device);
        return new FaceEngine(g, new PackInfo(Path.GetFileNameWithoutExtension(path), true, g.Config.Size, "checkpoint", Path.GetFullPath(path)));
    }

    /// <summary>The default pack's architecture with deterministic random weights (seed 0): what the app runs until a
    /// trained default pack is installed. Its images are not faces.</summary>
    public static FaceEngine Placeholder(Device? device = null)
    {
        var g = new StyleGan2Generator(DefaultPackConfig, seed: 0);
        g.EstimateLatentAvg();
        if (device is not null) g.MoveTo(device);
        return new FaceEngine(g, new PackInfo("placeholder (untrained)", false, g.Config.Size,
            "An untrained generator created at start-up; install the trained default pack for faces.", "built-in"));
    }

    /// <summary>The default pack's generator shape (models/faceweb-mini): 64 px, widths sized for CPU.</summary>
    public static StyleGan2Config DefaultPackConfig { get; } = new(64, 256, 8,
        new Dictionary<int, int> { [4] = 256, [8] = 256, [16] = 256, [32] = 128, [64] = 64 });

    /// <summary>z for a seed: standard normal from a CPU generator seeded with <paramref name="seed"/> (the same on every
    /// device), on the engine's device. [1,D]</summary>
    public Tensor SeedLatent(long seed) =>
        EngineDevice.SeededNormal([1, Generator.Config.StyleDim], new TorchSharp.torch.Generator((ulong)seed), Device);

    /// <summary>The W+ latent of a seed at truncation ψ. [1,L,D]</summary>
    public Tensor SeedWPlus(long seed, double truncation)
    {
        using var scope = NewDisposeScope();
        return Generator.WPlusFromZ(SeedLatent(seed), truncation).MoveToOuterDisposeScope();
    }

    /// <summary>Renders the image for a seed at truncation ψ; returns a PNG.</summary>
    public byte[] RenderSeedPng(long seed, double truncation, NoiseSpec? noise = null)
    {
        if (!double.IsFinite(truncation)) throw new ArgumentException("truncation must be a finite number");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return ImageTensors.ToPng(Generator.Synthesize(SeedWPlus(seed, truncation), noise));
    }

    /// <summary>The frames of several seeds (each at its ψ) in one batched forward; 8-bit pixels each, in order. A frame
    /// equals the same one rendered alone to float rounding. With <paramref name="preview"/>, the progressive preview
    /// from that block (<see cref="StyleGan2Generator.Preview"/>) instead.</summary>
    public IReadOnlyList<RgbImage> RenderSeeds(IReadOnlyList<(long Seed, double Truncation)> frames, int? preview = null)
    {
        using var scope = NewDisposeScope();
        var images = SeedImages(frames, preview);                                                         // [N,3,H,W]
        return Enumerable.Range(0, frames.Count).Select(i => ImageTensors.ToRgbImage(images.narrow(0, i, 1))).ToList();
    }

    /// <summary><see cref="RenderSeeds"/> before the edge: the images on the engine's device. → [N,3,H,W]</summary>
    public Tensor SeedImages(IReadOnlyList<(long Seed, double Truncation)> frames, int? preview = null)
    {
        if (frames.Any(f => !double.IsFinite(f.Truncation))) throw new ArgumentException("truncation must be a finite number");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var w = cat(frames.Select(f => SeedWPlus(f.Seed, f.Truncation)).ToList(), 0);
        return (preview is int r ? Generator.Preview(w, r) : Generator.Synthesize(w)).MoveToOuterDisposeScope();
    }

    /// <summary>Seed frames as the scheduler batches them across clients (at most <paramref name="maxBatch"/> a forward);
    /// the receiver encodes the PNG (<see cref="RgbImage.Png"/>), off the engine thread.</summary>
    public Jobs.BatchKind<(long Seed, double Truncation), SeedFrame> SeedFrames(int maxBatch = 8) => Batched(maxBatch, null);

    /// <summary>The block a preview stops after: a sixteenth of the size, at least 32 px (64 px at 1024: about a fifth of
    /// the frame's time on FFHQ shapes, bench/README).</summary>
    public int PreviewResolution => Math.Max(32, Generator.Config.Size / 16);

    /// <summary>Previews of seed frames at <see cref="PreviewResolution"/>, batched across clients as <see cref="SeedFrames"/> are.</summary>
    public Jobs.BatchKind<(long Seed, double Truncation), SeedFrame> SeedPreviews(int maxBatch = 8) => Batched(maxBatch, PreviewResolution);

    Jobs.BatchKind<(long Seed, double Truncation), SeedFrame> Batched(int maxBatch, int? preview) =>
        new(maxBatch, (frames, _) =>
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var images = RenderSeeds(frames, preview);
            return images.Select(image => new SeedFrame(image, sw.Elapsed.TotalMilliseconds, frames.Count)).ToList();
        });

    public void Dispose() => Generator.Dispose();
}
