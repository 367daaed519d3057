// TediGAN's visual encoder for sketches (Xia et al., CVPR 2021, §3.2: every visual modality is mapped into the
// generator's W space, so that a sketch and a caption can then control different layers). Its recipe here is the pack
// encoder's (e4e scaled to a CPU: W+ = latent_avg + predicted offsets, latent loss on the generator's own samples and
// an image loss through the frozen generator), with the samples' randomised sketches (FaceSketch) as the input.
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators.StyleGan2;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Inversion;

/// <summary>A sketch [N,1,S,S] (1 = paper, 0 = ink) → W+ [N,L,D].</summary>
public sealed class SketchEncoder : IDisposable
{
    public const string Kind = "faceweb-sketch-encoder";
    readonly PackEncoder net;

    SketchEncoder(PackEncoder net) => this.net = net;

    public SketchEncoder(int nLatent, int styleDim, long width = 32) : this(new PackEncoder(nLatent, styleDim, width)) { }

    /// <summary>What the trunk sees: the sketch as a grey image in [−1,1]. [N,1,S,S] → [N,3,S,S]</summary>
    static Tensor Input(Tensor sketch) => (sketch * 2 - 1).expand(-1, 3, -1, -1);

    /// <summary>W+ for sketches at the generator's size (see <see cref="FaceSketch.Resize"/>), without gradients. [N,1,S,S] → [N,L,D]</summary>
    public Tensor Encode(Tensor sketch)
    {
        if (sketch.dim() != 4 || sketch.shape[1] != 1) throw new ArgumentException($"sketches are [N,1,S,S], got [{string.Join(",", sketch.shape)}]");
        using var scope = NewDisposeScope();
        return net.Invert(Input(sketch)).MoveToOuterDisposeScope();
    }

    /// <summary>Trains on randomised sketches (<paramref name="augment"/>) of the generator's samples; one yield per step.</summary>
    public IEnumerable<EncoderStep> Train(StyleGan2Generator g, EncoderTrainingOptions o, CancellationToken ct = default, SketchAugment? augment = null)
    {
        var rng = new Generator((ulong)o.Seed + 1);                 // the sketches' own randomness, apart from the latents'
        return net.Train(g, o, ct, images => Input(FaceSketch.RenderRandom(images, rng, augment)));
    }

    public SketchEncoder MoveTo(Device device) { net.to(device); return this; }

    /// <summary>Stored as float16 (half the bytes in the pack; the encoder's output moves by less than its error); a
    /// training state (<paramref name="metadata"/> given) keeps float32.</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null) => net.Save(path, Kind, half: metadata is null, metadata);

    public static SketchEncoder Load(string path) => Load(path, out _);

    /// <param name="metadata">the file's metadata (a training state's <c>step</c>).</param>
    public static SketchEncoder Load(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        var net = PackEncoder.Load(path, Kind, out var meta);
        metadata = meta;
        return new(net);
    }

    public void Dispose() => net.Dispose();
}
