// FaceWeb's SSA-GAN: the ported NetG conditioned on the pack's own sentence encoder (MiniLM, or CLIP's text tower)
// through a learned linear projection to the generator's sentence width, instead of the paper's DAMSM text encoder
// (ADR 0009). One safetensors file: netG.* (model.py's keys) and text_proj.* (the projection).
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.TextImage;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Generators.SsaGan;

public sealed class SsaGanModel : nn.Module
{
    readonly NetG netG;
    readonly Linear text_proj;

    public NetG Generator => netG;
    /// <summary>The width of the text embeddings the projection takes (384 for MiniLM).</summary>
    public long TextDim => text_proj.weight.shape[1];

    public SsaGanModel(NetG generator, long textDim) : base(nameof(SsaGanModel))
    {
        netG = generator;
        text_proj = nn.Linear(textDim, generator.Config.SentenceDim);
        RegisterComponents();
        eval();
    }

    /// <summary>Text embeddings [N,E] (L2-normalised, from the pack's space) → sentence vectors [N,S].</summary>
    public Tensor Sentences(Tensor textEmbeddings) => text_proj.forward(EngineDevice.Expect(textEmbeddings, netG.Device, "the text embeddings"));

    /// <summary>Noise for seeds: [N,nz] standard normal, each row from a CPU generator seeded with its seed (the same on
    /// every device).</summary>
    public Tensor SeedNoise(IReadOnlyList<long> seeds) =>
        cat(seeds.Select(s => EngineDevice.SeededNormal([1, netG.Config.NoiseDim], new TorchSharp.torch.Generator((ulong)s), netG.Device)).ToList(), 0);

    /// <summary>One pass: captions (embedded by <paramref name="space"/>) × their seeds → images and fusion masks.</summary>
    public SsaGanOutput Generate(ITextImageSpace space, IReadOnlyList<string> captions, IReadOnlyList<long> seeds)
    {
        if (captions.Count != seeds.Count) throw new ArgumentException("one seed per caption");
        if (space.EmbedDim != TextDim) throw new ArgumentException($"this SSA-GAN takes {TextDim}-d text embeddings; the space '{space.Name}' gives {space.EmbedDim}");
        using var _ = no_grad();
        using var text = space.EmbedTexts(captions);
        return Generate(text, seeds);
    }

    /// <summary>The same from text embeddings already made [N,E], one seed each.</summary>
    public SsaGanOutput Generate(Tensor textEmbeddings, IReadOnlyList<long> seeds)
    {
        if (textEmbeddings.shape[0] != seeds.Count) throw new ArgumentException("one seed per text embedding");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var output = netG.Forward(SeedNoise(seeds), Sentences(textEmbeddings));
        return new SsaGanOutput(output.Image.MoveToOuterDisposeScope(), output.Masks.Select(m => m.MoveToOuterDisposeScope()).ToList());
    }

    public static SsaGanModel Load(string path)
    {
        using var sd = CheckpointReader.Load(path);
        if (!sd.Contains("text_proj.weight")) throw new CheckpointException($"{sd.Source}: not a FaceWeb SSA-GAN (no text_proj.weight; a model.py NetG file renders with `faceweb render-ssagan`).");
        var g = NetG.FromStateDict(sd, "netG");
        var model = new SsaGanModel(g, sd["text_proj.weight"].shape[1]);
        StrictLoader.Load(model, sd.Tensors, sd.Source);
        return model;
    }

    public void Save(string path, string textEncoder, IReadOnlyDictionary<string, string>? meta = null)
    {
        var m = new Dictionary<string, string>(meta ?? new Dictionary<string, string>()) { ["kind"] = "ssagan", ["text"] = textEncoder };
        SafeTensors.Save(path, state_dict(), m);
    }
}
