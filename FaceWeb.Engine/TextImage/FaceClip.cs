// FaceCLIP-mini: the default pack's own text–image space. Text = all-MiniLM-L6-v2, frozen; image = a small CNN trained
// to land on the caption embeddings with CLIP's symmetric InfoNCE and a learned temperature (Radford et al. 2021 §2.5),
// the text tower locked as in LiT (Zhai et al. 2022). Field names are the safetensors keys.
using TorchSharp;
using FaceWeb.Engine.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceWeb.Engine.TextImage;

/// <summary>[N,3,S,S] in [−1,1] (resized to 64) → [N,E] L2-normalised: four stages (a stride-2 and a stride-1 3×3 conv,
/// each with batch norm and GELU), global average pool, linear.</summary>
public sealed class FaceClipImageTower : nn.Module<Tensor, Tensor>
{
    public const int InputSize = 64;
    readonly Sequential features;
    readonly Linear proj;
    readonly Parameter logit_scale;

    public FaceClipImageTower(long embedDim = MiniLmTextEncoder.Dimensions, long width = 32) : base(nameof(FaceClipImageTower))
    {
        (features, long cin) = ConvTrunk.Build(width);
        proj = nn.Linear(cin, embedDim);
        logit_scale = new Parameter(tensor((float)Math.Log(1 / 0.07)));     // CLIP's initial temperature 0.07
        RegisterComponents();
        eval();
    }

    public long EmbedDim => proj.weight.shape[0];
    public Device Device => proj.weight.device;
    /// <summary>exp(logit_scale), clamped at 100 as in CLIP.</summary>
    public Tensor Scale => logit_scale.exp().clamp(max: 100);

    /// <summary>The pooled trunk: [N,3,S,S] → [N,C] (C = 8 × width), what the attribute head reads.</summary>
    public Tensor Features(Tensor x)
    {
        using var scope = NewDisposeScope();
        if (x.shape[2] != InputSize || x.shape[3] != InputSize)
            x = nn.functional.interpolate(x, [InputSize, InputSize], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        return features.forward(x).mean([2, 3]).MoveToOuterDisposeScope();
    }

    public long FeatureDim => proj.weight.shape[1];

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return nn.functional.normalize(proj.forward(Features(x)), dim: -1).MoveToOuterDisposeScope();
    }

    /// <summary>CLIP's symmetric InfoNCE for a batch of matched (image, caption) rows: [N,E]×[N,E] → scalar.</summary>
    public Tensor ContrastiveLoss(Tensor imageEmb, Tensor textEmb)
    {
        using var scope = NewDisposeScope();
        var logits = Scale * imageEmb.matmul(textEmb.t());           // [N,N]
        var labels = arange(logits.shape[0], dtype: int64);
        return ((nn.functional.cross_entropy(logits, labels) + nn.functional.cross_entropy(logits.t(), labels)) / 2).MoveToOuterDisposeScope();
    }

    public static FaceClipImageTower Load(string path)
    {
        using var sd = CheckpointReader.Load(path);
        if (!sd.Contains("proj.weight") || !sd.Contains("features.0.weight")) throw new CheckpointException($"{sd.Source}: not a FaceCLIP-mini image tower (proj/features missing).");
        var tower = new FaceClipImageTower(sd["proj.weight"].shape[0], sd["features.0.weight"].shape[0]);
        StrictLoader.Load(tower, sd.Tensors, sd.Source);
        return tower;
    }

    public void Save(string path) => SafeTensors.Save(path, state_dict(), new Dictionary<string, string> { ["kind"] = "faceclip-mini-image", ["text"] = "all-MiniLM-L6-v2" });
}

/// <summary>FaceWeb's small 64 px trunk: four stages of a stride-2 and a stride-1 3×3 conv (batch norm, GELU), 64 → 4 px,
/// width·(1, 2, 4, 8) channels. Keys "N.weight" for N = 0, 3, 6, … (convs) and N+1 (norms).</summary>
public static class ConvTrunk
{
    public static (Sequential Trunk, long Channels) Build(long width)
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        long cin = 3;
        void Block(long cout, long stride)
        {
            int k = layers.Count;
            layers.Add(($"{k}", nn.Conv2d(cin, cout, 3, stride: stride, padding: 1, bias: false)));
            layers.Add(($"{k + 1}", nn.BatchNorm2d(cout)));
            layers.Add(($"{k + 2}", nn.GELU()));
            cin = cout;
        }
        for (int i = 0; i < 4; i++)
        {
            long cout = width << i;                                   // 32, 64, 128, 256 channels at 32, 16, 8, 4 px
            Block(cout, 2);
            Block(cout, 1);
        }
        return (nn.Sequential(layers.ToArray()), cin);
    }
}

/// <summary>The pack's space: MiniLM texts, the trained tower for images. Disposes both unless <paramref name="ownsParts"/> is false.</summary>
public sealed class FaceClipSpace(MiniLmTextEncoder text, FaceClipImageTower images, bool ownsParts = true, string? towerSha256 = null) : ITextImageSpace
{
    MiniLmTextEncoder text = text;

    /// <summary>The pack's FaceCLIP-mini, or null when it has no <see cref="ModelPack.FaceClipRole"/> file.</summary>
    public static FaceClipSpace? FromPack(ModelPack pack) =>
        pack.Manifest.Files.FirstOrDefault(f => f.Role == ModelPack.FaceClipRole) is { } tower
            ? new FaceClipSpace(new MiniLmTextEncoder(), FaceClipImageTower.Load(pack.PathOf(ModelPack.FaceClipRole)), towerSha256: tower.Sha256)
            : null;

    public string Name => "FaceCLIP-mini";
    /// <summary>The tower file's SHA-256 as the pack's manifest gives it (checked when the pack was loaded).</summary>
    public string? ImageWeightsSha256 => towerSha256;
    public int EmbedDim => (int)images.EmbedDim;
    public FaceClipImageTower Tower => images;

    public Tensor EmbedTexts(IReadOnlyList<string> texts)
    {
        var rows = text.Encode(texts);                                  // already L2-normalised
        return tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, MiniLmTextEncoder.Dimensions], device: images.Device);   // MiniLM runs in ONNX Runtime
    }

    public Tensor EmbedImages(Tensor generated) => images.forward(generated);

    /// <summary>The tower moves to <paramref name="device"/>; on a GPU, MiniLM moves to ONNX Runtime's CUDA provider too
    /// (an encoder this space does not own stays where it is).</summary>
    public void MoveTo(Device device)
    {
        images.to(device);
        if (device.type == DeviceType.CUDA && ownsParts)
        {
            text.Dispose();
            text = MiniLmTextEncoder.OnCuda(Math.Max(0, device.index));
        }
    }

    public void Dispose() { if (ownsParts) { text.Dispose(); images.Dispose(); } }
}
