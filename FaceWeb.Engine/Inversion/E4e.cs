// e4e — Tov et al., "Designing an Encoder for StyleGAN Image Manipulation" (SIGGRAPH 2021), §3–4: an IR-SE trunk with
// FPN taps predicts one base code w₀ and per-layer offsets Δᵢ, so W+ = w₀ + Δ (Δ₀ = 0) + the generator's mean latent.
// Port of omertov/encoder4editing models/encoders/psp_encoders.py (Encoder4Editing, GradualStyleBlock); field names
// equal the checkpoint's `encoder.*` keys.
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.Identity;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Inversion;

/// <summary>A feature map → one style vector: log2(spatial) stride-2 3×3 convs with LeakyReLU(0.01), then EqualLinear.</summary>
public sealed class GradualStyleBlock : nn.Module<Tensor, Tensor>
{
    readonly Sequential convs;
    readonly EqualLinear linear;
    readonly long outC;
    public long OutDim => outC;

    public GradualStyleBlock(long inC, long outC, int convCount) : base(nameof(GradualStyleBlock))
    {
        this.outC = outC;
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int i = 0; i < convCount; i++)
        {
            layers.Add(((2 * i).ToString(), nn.Conv2d(i == 0 ? inC : outC, outC, 3, stride: 2, padding: 1)));
            layers.Add(((2 * i + 1).ToString(), nn.LeakyReLU(0.01)));     // nn.LeakyReLU() default slope
        }
        convs = nn.Sequential(layers.ToArray());
        linear = new EqualLinear(outC, outC);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)   // [N,C,S,S] -> [N,outC]
    {
        using var scope = NewDisposeScope();
        return linear.forward(convs.forward(x).view(-1, outC)).MoveToOuterDisposeScope();
    }
}

/// <summary>Encoder4Editing: [N,3,256,256] in [−1,1] → [N,L,D] offsets from the mean latent (add <see cref="LatentAvg"/> for W+).</summary>
public sealed class Encoder4Editing : nn.Module<Tensor, Tensor>, IWPlusEncoder
{
    const int CoarseIndex = 3, MiddleIndex = 7;          // e4e: styles 0–2 read c3, 3–6 the FPN's p2, 7+ p1
    readonly Sequential input_layer;
    readonly ModuleList<BottleneckIrSe> body;
    readonly ModuleList<GradualStyleBlock> styles;
    readonly Conv2d latlayer1, latlayer2;
    readonly int tap1, tap2, tap3;                       // 6, 20, 23 in IR-SE-50: the ends of stages 2, 3, 4

    /// <summary>[D] or [L,D]: the generator's mean latent the codes start from (start_from_latent_avg).</summary>
    public Tensor LatentAvg { get; }
    public int StyleCount => styles.Count;
    public long StyleDim => LatentAvg.shape[^1];

    Encoder4Editing(Sequential inputLayer, List<BottleneckIrSe> units, List<GradualStyleBlock> styleBlocks, long c1, long c2, long c3, Tensor latentAvg)
        : base(nameof(Encoder4Editing))
    {
        input_layer = inputLayer;
        body = nn.ModuleList(units.ToArray());
        styles = nn.ModuleList(styleBlocks.ToArray());
        latlayer1 = nn.Conv2d(c2, c3, 1);
        latlayer2 = nn.Conv2d(c1, c3, 1);
        var ends = IrSe.StageEnds(units);
        if (ends.Count != 4) throw new CheckpointException($"e4e: expected 4 IR-SE stages, found {ends.Count}.");
        (tap1, tap2, tap3) = (ends[1], ends[2], ends[3]);
        RegisterComponents();
        LatentAvg = latentAvg;                           // after RegisterComponents: not a state-dict entry of the encoder
        eval();
    }

    /// <summary>Loads e4e_ffhq_encode.pt ({'state_dict': {'encoder.*', 'decoder.*'}, 'latent_avg', 'opts'}) or safetensors with
    /// <c>encoder.*</c> and <c>latent_avg</c>. Strict on the encoder's keys.</summary>
    public static Encoder4Editing Load(string path)
    {
        using var sd = CheckpointReader.Load(path);
        string prefix = sd.Keys.Any(k => k.StartsWith("state_dict.encoder.", StringComparison.Ordinal)) ? "state_dict.encoder" : "encoder";
        var enc = sd.Under(prefix);
        if (enc.Count == 0) throw new CheckpointException($"{sd.Source}: no encoder.* keys (is this an e4e checkpoint?).");
        if (!sd.Contains("latent_avg")) throw new CheckpointException($"{sd.Source}: missing 'latent_avg' (e4e starts from the mean latent).");
        return Load(enc, sd["latent_avg"].to(float32).clone(), sd.Source);
    }

    public static Encoder4Editing Load(IReadOnlyDictionary<string, Tensor> enc, Tensor latentAvg, string what)
    {
        var (input, units) = IrSe.Build(enc, what);
        var blocks = new List<GradualStyleBlock>();
        for (int i = 0; enc.ContainsKey($"styles.{i}.linear.weight"); i++)
        {
            int convs = 0;
            while (enc.ContainsKey($"styles.{i}.convs.{2 * convs}.weight")) convs++;
            var first = enc[$"styles.{i}.convs.0.weight"];
            blocks.Add(new GradualStyleBlock(first.shape[1], first.shape[0], convs));
        }
        if (blocks.Count == 0) throw new CheckpointException($"{what}: no styles.N blocks found.");
        var ends = IrSe.StageEnds(units);
        if (ends.Count != 4) throw new CheckpointException($"{what}: expected 4 IR-SE stages, found {ends.Count}.");
        var model = new Encoder4Editing(input, units, blocks, units[ends[1]].Depth, units[ends[2]].Depth, units[ends[3]].Depth, latentAvg);
        StrictLoader.Load(model, enc, what);
        long d = blocks[0].OutDim;
        if (latentAvg.shape[^1] != d) throw new CheckpointException($"{what}: latent_avg is [{string.Join(",", latentAvg.shape)}], the styles are {d} wide.");
        return model;
    }

    public override Tensor forward(Tensor x)   // [N,3,256,256] -> [N,L,D]
    {
        using var scope = NewDisposeScope();
        var h = input_layer.forward(x);
        Tensor c1 = h, c2 = h, c3 = h;
        for (int i = 0; i < body.Count; i++)
        {
            h = body[i].forward(h);
            if (i == tap1) c1 = h; else if (i == tap2) c2 = h; else if (i == tap3) c3 = h;
        }
        var w0 = styles[0].forward(c3);                                               // [N,D]
        var codes = new List<Tensor> { w0 };
        Tensor features = c3, p2 = c3;
        for (int i = 1; i < styles.Count; i++)
        {
            if (i == CoarseIndex) features = p2 = UpsampleAdd(c3, latlayer1.forward(c2));
            else if (i == MiddleIndex) features = UpsampleAdd(p2, latlayer2.forward(c1));
            codes.Add(w0 + styles[i].forward(features));                              // w_i = w₀ + Δᵢ
        }
        return stack(codes, 1).MoveToOuterDisposeScope();
    }

    /// <summary><see cref="Invert"/> for images of any size: resized (bilinear) to e4e's 256 px first.</summary>
    public Tensor Encode(Tensor images) =>
        Invert(images.shape[2] == 256 && images.shape[3] == 256 ? images : nn.functional.interpolate(images, [256, 256], mode: InterpolationMode.Bilinear, align_corners: false));

    /// <summary>W+ for aligned faces: encoder output + mean latent. [N,3,256,256] → [N,L,D]</summary>
    public Tensor Invert(Tensor x)
    {
        using var scope = NewDisposeScope();
        var avg = LatentAvg.dim() == 1 ? LatentAvg.view(1, 1, -1) : LatentAvg.unsqueeze(0);
        return (forward(x) + avg).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) LatentAvg.Dispose();
        base.Dispose(disposing);
    }

    // FPN top-down path: bilinear (align_corners) upsampling of the coarser map, plus the lateral 1×1 conv.
    static Tensor UpsampleAdd(Tensor x, Tensor y) =>
        nn.functional.interpolate(x, [y.shape[2], y.shape[3]], mode: InterpolationMode.Bilinear, align_corners: true) + y;
}
