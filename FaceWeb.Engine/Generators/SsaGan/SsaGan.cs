// SSA-GAN — Liao et al., "Text to Image Generation with Semantic-Spatial Aware GAN" (CVPR 2022).
// Port of wtliao/text2image model.py: NetG (noise + sentence vector → image, predicting in every block a spatial mask
// that says where the text modulates the features: semantic-spatial aware conditional batch norm, SSACN), G_Block,
// affine, NetD, resD and D_GET_LOGITS. Field names equal the reference's state-dict keys. The reference is fixed at
// 256 px (7 generator blocks, ngf·8 ×4, ·4, ·2, ·1); here the blocks, widths and the sentence width come from the
// checkpoint's shapes, so a 64 px model is the same code with fewer blocks.
using FaceWeb.Engine.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Generators.SsaGan;

/// <summary>Generator shape: the blocks' (in, out) widths from 4 px up, the noise and sentence widths.</summary>
public sealed record SsaGanConfig(IReadOnlyList<(int In, int Out)> Blocks, int NoiseDim = 100, int SentenceDim = 256, int Hidden = 256)
{
    public int Size => 4 << (Blocks.Count - 1);

    /// <summary>The reference's layout for <paramref name="size"/> px: ngf·8 up to 32 px, then halving (256 px: ·8 ×4, ·4, ·2, ·1).</summary>
    public static SsaGanConfig Reference(int ngf, int size = 256)
    {
        int blocks = (int)Math.Log2(size / 4) + 1;
        var widths = new List<(int, int)>();
        int w = ngf * 8;
        for (int i = 0; i < blocks; i++)
        {
            int res = 4 << i, outW = Math.Max(ngf, ngf * 8 >> Math.Max(0, (int)Math.Log2(res / 32)));
            widths.Add((w, outW));
            w = outW;
        }
        return new SsaGanConfig(widths);
    }

    /// <summary>From a NetG state dict (keys as model.py writes them).</summary>
    public static SsaGanConfig Infer(IReadOnlyDictionary<string, Tensor> g, string source)
    {
        Tensor Get(string key) => g.TryGetValue(key, out var t) ? t
            : throw new CheckpointException($"{source}: not an SSA-GAN generator state dict (no '{key}').");
        var blocks = new List<(int, int)>();
        for (int i = 0; g.ContainsKey($"block{i}.c1.weight"); i++)
        {
            var c1 = Get($"block{i}.c1.weight");
            blocks.Add(((int)c1.shape[1], (int)c1.shape[0]));
        }
        if (blocks.Count == 0) throw new CheckpointException($"{source}: not an SSA-GAN generator state dict (no 'block0.c1.weight').");
        var lin = Get("block0.affine0.fc_gamma.linear1.weight");
        return new SsaGanConfig(blocks, (int)Get("fc.weight").shape[1], (int)lin.shape[1], (int)lin.shape[0]);
    }
}

/// <summary>affine: batch norm without its own scale and shift, then γ(s), β(s) from the sentence, acting where the mask
/// is: (1 + γ·m)·BN(x) + β·m. Keys <c>batch_norm2d.*</c>, <c>fc_gamma.linear1/2.*</c>, <c>fc_beta.linear1/2.*</c>.</summary>
public sealed class SsaAffine : nn.Module
{
    readonly BatchNorm2d batch_norm2d;
    readonly Sequential fc_gamma, fc_beta;

    public SsaAffine(long channels, long sentenceDim, long hidden) : base(nameof(SsaAffine))
    {
        batch_norm2d = nn.BatchNorm2d(channels, affine: false);
        fc_gamma = Mlp(sentenceDim, hidden, channels);
        fc_beta = Mlp(sentenceDim, hidden, channels);
        RegisterComponents();
    }

    static Sequential Mlp(long inDim, long hidden, long outDim) =>
        nn.Sequential(("linear1", nn.Linear(inDim, hidden)), ("relu1", nn.ReLU()), ("linear2", nn.Linear(hidden, outDim)));

    /// <summary>x [N,C,H,W], sentence [N,S], mask [N,1,H,W] in (0,1) → [N,C,H,W]</summary>
    public Tensor Forward(Tensor x, Tensor sentence, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var h = batch_norm2d.forward(x);
        var weight = fc_gamma.forward(sentence).unsqueeze(-1).unsqueeze(-1);        // [N,C,1,1]
        var bias = fc_beta.forward(sentence).unsqueeze(-1).unsqueeze(-1);
        return ((weight * mask + 1) * h + bias * mask).MoveToOuterDisposeScope();
    }
}

/// <summary>G_Block: shortcut (1×1 conv when the width changes) + γ·residual(affine → ReLU → 3×3 → affine → ReLU → 3×3),
/// then the next stage's mask logits (conv 3×3 → 100 → BN → ReLU → 1×1 → 1) unless it is the last block.</summary>
public sealed class SsaGBlock : nn.Module
{
    readonly Conv2d c1, c2;
    readonly Conv2d? c_sc;
    readonly SsaAffine affine0, affine2;
    readonly Parameter gamma;
    readonly Sequential? conv_mask;

    public SsaGBlock(long inCh, long outCh, long sentenceDim, long hidden, bool predictMask) : base(nameof(SsaGBlock))
    {
        c1 = nn.Conv2d(inCh, outCh, 3, 1, 1);
        c2 = nn.Conv2d(outCh, outCh, 3, 1, 1);
        affine0 = new SsaAffine(inCh, sentenceDim, hidden);
        affine2 = new SsaAffine(outCh, sentenceDim, hidden);
        gamma = new Parameter(zeros(1));
        if (inCh != outCh) c_sc = nn.Conv2d(inCh, outCh, 1, 1, 0);
        if (predictMask) conv_mask = NetG.MaskHead(outCh);
        RegisterComponents();
    }

    /// <summary>x [N,in,H,W] → (out [N,out,H,W], next mask logits [N,1,H,W] or null)</summary>
    public (Tensor Out, Tensor? MaskLogits) Forward(Tensor x, Tensor sentence, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.relu(affine0.Forward(x, sentence, mask));
        h = c1.forward(h);
        h = nn.functional.relu(affine2.Forward(h, sentence, mask));
        h = c2.forward(h);
        var shortcut = c_sc?.forward(x) ?? x;
        var @out = shortcut + gamma * h;
        var logits = conv_mask?.forward(@out);
        return (@out.MoveToOuterDisposeScope(), logits?.MoveToOuterDisposeScope());
    }
}

/// <summary>One forward's image and the fusion mask of every stage (sigmoid, 4 px up to the last block's size).</summary>
public sealed record SsaGanOutput(Tensor Image, IReadOnlyList<Tensor> Masks) : IDisposable
{
    /// <summary>Where the text acted: the last stage's fusion mask at the image's size (bilinear, as the stages are
    /// up-sampled), a new tensor. [N,1,H,W]</summary>
    public Tensor TextMask()
    {
        var last = Masks[^1];
        return last.shape[2] == Image.shape[2] ? last.clone()
            : nn.functional.interpolate(last, [Image.shape[2], Image.shape[3]], mode: InterpolationMode.Bilinear, align_corners: true);
    }

    public void Dispose() { Image.Dispose(); foreach (var m in Masks) m.Dispose(); }
}

/// <summary>NetG: fc(z) → [ngf·8,4,4]; per stage: nearest ×2 (after the first), the previous block's mask logits
/// up-sampled bilinearly (align_corners) and squashed by a sigmoid into the fusion mask, the block; then BN → LeakyReLU
/// → 3×3 conv → tanh. Keys as model.py: <c>fc.*</c>, <c>conv_mask.{0,1,3}.*</c>, <c>block{i}.*</c>, <c>conv_img.{0,2}.*</c>.</summary>
public sealed class NetG : nn.Module
{
    readonly Linear fc;
    readonly Sequential conv_mask, conv_img;
    readonly List<SsaGBlock> blocks = [];

    public SsaGanConfig Config { get; }

    public NetG(SsaGanConfig config) : base(nameof(NetG))
    {
        Config = config;
        int c0 = config.Blocks[0].In;
        fc = nn.Linear(config.NoiseDim, c0 * 4 * 4);
        conv_mask = MaskHead(c0);
        for (int i = 0; i < config.Blocks.Count; i++)
        {
            var (inCh, outCh) = config.Blocks[i];
            var block = new SsaGBlock(inCh, outCh, config.SentenceDim, config.Hidden, predictMask: i < config.Blocks.Count - 1);
            blocks.Add(block);
            register_module($"block{i}", block);
        }
        int last = config.Blocks[^1].Out;
        conv_img = nn.Sequential(("0", nn.BatchNorm2d(last)), ("1", nn.LeakyReLU(0.2)), ("2", nn.Conv2d(last, 3, 3, 1, 1)), ("3", nn.Tanh()));
        register_module(nameof(fc), fc);
        register_module(nameof(conv_mask), conv_mask);
        register_module(nameof(conv_img), conv_img);
        eval();
    }

    /// <summary>The mask predictor: 3×3 conv → 100 → BN → ReLU → 1×1 conv → 1 logit per pixel.</summary>
    internal static Sequential MaskHead(long channels) =>
        nn.Sequential(("0", nn.Conv2d(channels, 100, 3, 1, 1)), ("1", nn.BatchNorm2d(100)), ("2", nn.ReLU()), ("3", nn.Conv2d(100, 1, 1, 1, 0)));

    public Device Device => fc.weight.device;

    /// <summary>z [N,nz], sentence [N,S] → image [N,3,size,size] in (−1,1) and the fusion masks.
    /// <paramref name="blockOutputs"/>, when given, receives every block's output (the parity test reads them).</summary>
    public SsaGanOutput Forward(Tensor z, Tensor sentence, List<Tensor>? blockOutputs = null)
    {
        EngineDevice.Expect(z, Device, "the noise");
        EngineDevice.Expect(sentence, Device, "the sentence vector");
        if (z.dim() != 2 || z.shape[1] != Config.NoiseDim) throw new ArgumentException($"noise must be [N,{Config.NoiseDim}], got [{string.Join(",", z.shape)}]");
        if (sentence.dim() != 2 || sentence.shape[1] != Config.SentenceDim || sentence.shape[0] != z.shape[0])
            throw new ArgumentException($"sentence vectors must be [{z.shape[0]},{Config.SentenceDim}], got [{string.Join(",", sentence.shape)}]");
        using var scope = NewDisposeScope();
        var masks = new List<Tensor>();
        var x = fc.forward(z).view(z.shape[0], Config.Blocks[0].In, 4, 4);                    // [N,C0,4,4]
        var logits = conv_mask.forward(x);
        for (int i = 0; i < blocks.Count; i++)
        {
            if (i > 0)
            {
                x = nn.functional.interpolate(x, scale_factor: [2, 2], mode: InterpolationMode.Nearest);
                logits = nn.functional.interpolate(logits!, [x.shape[2], x.shape[3]], mode: InterpolationMode.Bilinear, align_corners: true);
            }
            var mask = logits!.sigmoid();                                                        // [N,1,H,W]
            masks.Add(mask);
            (x, logits) = blocks[i].Forward(x, sentence, mask);
            blockOutputs?.Add(x.alias().DetachFromDisposeScope());
        }
        var image = conv_img.forward(x);
        return new SsaGanOutput(image.MoveToOuterDisposeScope(), masks.Select(m => m.MoveToOuterDisposeScope()).ToList());
    }

    public static NetG Load(string path, string prefix = "")
    {
        using var sd = CheckpointReader.Load(path);
        return FromStateDict(sd, prefix);
    }

    public static NetG FromStateDict(StateDict sd, string prefix = "")
    {
        var g = prefix == "" ? sd.Tensors : sd.Under(prefix);
        var net = new NetG(SsaGanConfig.Infer(g, sd.Source));
        StrictLoader.Load(net, g, $"{sd.Source}{(prefix == "" ? "" : $" ({prefix})")}");
        return net;
    }
}

/// <summary>resD: γ·(4×4 stride-2 conv → LeakyReLU → 3×3 conv → LeakyReLU) + avg-pooled shortcut (1×1 conv when the width
/// changes; <c>conv_s</c> is in the state dict either way, as in model.py).</summary>
public sealed class SsaResD : nn.Module
{
    readonly Sequential conv_r;
    readonly Conv2d conv_s;
    readonly Parameter gamma;
    readonly bool learnedShortcut;

    public SsaResD(long fin, long fout) : base(nameof(SsaResD))
    {
        learnedShortcut = fin != fout;
        conv_r = nn.Sequential(("0", nn.Conv2d(fin, fout, 4, 2, 1, bias: false)), ("1", nn.LeakyReLU(0.2)),
            ("2", nn.Conv2d(fout, fout, 3, 1, 1, bias: false)), ("3", nn.LeakyReLU(0.2)));
        conv_s = nn.Conv2d(fin, fout, 1, 1, 0);
        gamma = new Parameter(zeros(1));
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var s = nn.functional.avg_pool2d(learnedShortcut ? conv_s.forward(x) : x, 2);
        return (s + gamma * conv_r.forward(x)).MoveToOuterDisposeScope();
    }
}

/// <summary>NetD: 3×3 conv, then resD blocks down to 4 px (features [N,ndf·16,4,4]); <see cref="Logits"/> is D_GET_LOGITS
/// (<c>COND_DNET</c>): the sentence tiled over 4×4, concatenated, 3×3 conv → LeakyReLU → 4×4 conv → one logit.</summary>
public sealed class NetD : nn.Module
{
    readonly Conv2d conv_img;
    readonly List<SsaResD> blocks = [];
    readonly Sequential joint_conv;   // COND_DNET.joint_conv
    readonly long sentenceDim;

    public NetD(IReadOnlyList<(int In, int Out)> blockWidths, int ndf, int sentenceDim = 256) : base(nameof(NetD))
    {
        this.sentenceDim = sentenceDim;
        conv_img = nn.Conv2d(3, blockWidths[0].In, 3, 1, 1);
        register_module(nameof(conv_img), conv_img);
        for (int i = 0; i < blockWidths.Count; i++)
        {
            var b = new SsaResD(blockWidths[i].In, blockWidths[i].Out);
            blocks.Add(b);
            register_module($"block{i}", b);
        }
        long features = blockWidths[^1].Out;
        joint_conv = nn.Sequential(("0", nn.Conv2d(features + sentenceDim, ndf * 2, 3, 1, 1, bias: false)), ("1", nn.LeakyReLU(0.2)),
            ("2", nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias: false)));
        var cond = new CondDNet(joint_conv);
        register_module("COND_DNET", cond);
        eval();
    }

    /// <summary>The reference's layout for <paramref name="size"/> px: ndf → 2·ndf → … doubling up to 16·ndf, one resD block
    /// per halving down to 4 px (256 px: 6 blocks, the last two 16·ndf → 16·ndf).</summary>
    public static NetD Reference(int ndf, int size, int sentenceDim = 256)
    {
        var widths = new List<(int, int)>();
        for (int w = ndf, res = size; res > 4; res /= 2, w = Math.Min(w * 2, ndf * 16)) widths.Add((w, Math.Min(w * 2, ndf * 16)));
        return new NetD(widths, ndf, sentenceDim);
    }

    sealed class CondDNet : nn.Module
    {
        readonly Sequential joint_conv;
        public CondDNet(Sequential joint) : base("D_GET_LOGITS") { joint_conv = joint; RegisterComponents(); }
    }

    /// <summary>image [N,3,S,S] → features [N,C,4,4]</summary>
    public Tensor Features(Tensor image)
    {
        using var scope = NewDisposeScope();
        var x = conv_img.forward(image);
        foreach (var b in blocks) x = b.Forward(x);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>features [N,C,4,4], sentence [N,S] → conditional logits [N,1,1,1]</summary>
    public Tensor Logits(Tensor features, Tensor sentence)
    {
        using var scope = NewDisposeScope();
        var y = sentence.view(-1, sentenceDim, 1, 1).repeat(1, 1, 4, 4);
        return joint_conv.forward(cat([features, y], 1)).MoveToOuterDisposeScope();
    }

    public static NetD Load(string path, string prefix = "")
    {
        using var sd = CheckpointReader.Load(path);
        var d = prefix == "" ? sd.Tensors : sd.Under(prefix);
        var widths = new List<(int, int)>();
        for (int i = 0; d.ContainsKey($"block{i}.conv_r.0.weight"); i++)
        {
            var w = d[$"block{i}.conv_r.0.weight"];
            widths.Add(((int)w.shape[1], (int)w.shape[0]));
        }
        if (widths.Count == 0 || !d.ContainsKey("COND_DNET.joint_conv.0.weight"))
            throw new CheckpointException($"{sd.Source}: not an SSA-GAN discriminator state dict (no block0.conv_r / COND_DNET).");
        var joint = d["COND_DNET.joint_conv.0.weight"];
        int ndf = (int)joint.shape[0] / 2, sentence = (int)joint.shape[1] - widths[^1].Item2;
        var net = new NetD(widths, ndf, sentence);
        StrictLoader.Load(net, d, sd.Source);
        return net;
    }
}
