// ArcFace IR-SE50 — the face-recognition backbone of Deng et al., "ArcFace" (CVPR 2019): improved residual units
// (IR) with squeeze-and-excitation (Hu et al. 2018), as the ID loss of pSp/e4e/StyleCLIP uses it (model_ir_se50.pth,
// TreB1nk/InsightFace_Pytorch model_irse.py). Field names equal the state-dict keys; widths come from the shapes.
using TorchSharp;
using FaceWeb.Engine.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Identity;

/// <summary>Squeeze-and-excitation: x · σ(fc2(relu(fc1(avgpool(x))))), fc as 1×1 convs without bias.</summary>
public sealed class SEModule : nn.Module<Tensor, Tensor>
{
    readonly Conv2d fc1, fc2;

    public SEModule(long channels, long reduced) : base(nameof(SEModule))
    {
        fc1 = nn.Conv2d(channels, reduced, 1, bias: false);
        fc2 = nn.Conv2d(reduced, channels, 1, bias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)   // [N,C,H,W] -> [N,C,H,W]
    {
        using var scope = NewDisposeScope();
        var s = fc2.forward(nn.functional.relu(fc1.forward(x.mean([2, 3], keepdim: true)))).sigmoid();
        return (x * s).MoveToOuterDisposeScope();
    }
}

/// <summary>bottleneck_IR_SE: shortcut + BN → conv3×3 → PReLU → conv3×3(stride) → BN → SE. The shortcut is a 1×1
/// conv + BN when the width changes, else MaxPool2d(1, stride), i.e. plain subsampling.</summary>
public sealed class BottleneckIrSe : nn.Module<Tensor, Tensor>
{
    readonly Sequential? shortcut_layer;
    readonly Sequential res_layer;
    public int Stride { get; }
    public long Depth { get; }

    public BottleneckIrSe(long inChannels, long depth, int stride, long seReduced) : base(nameof(BottleneckIrSe))
    {
        (Stride, Depth) = (stride, depth);
        if (inChannels != depth)
            shortcut_layer = nn.Sequential(("0", nn.Conv2d(inChannels, depth, 1, stride: stride, bias: false)), ("1", nn.BatchNorm2d(depth)));
        res_layer = nn.Sequential(
            ("0", nn.BatchNorm2d(inChannels)),
            ("1", nn.Conv2d(inChannels, depth, 3, padding: 1, bias: false)),
            ("2", nn.PReLU(depth)),
            ("3", nn.Conv2d(depth, depth, 3, stride: stride, padding: 1, bias: false)),
            ("4", nn.BatchNorm2d(depth)),
            ("5", new SEModule(depth, seReduced)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var shortcut = shortcut_layer is not null ? shortcut_layer.forward(x)
            : Stride == 1 ? x : x[.., .., TensorIndex.Slice(null, null, Stride), TensorIndex.Slice(null, null, Stride)];
        return (shortcut + res_layer.forward(x)).MoveToOuterDisposeScope();
    }
}

/// <summary>The IR-SE trunk shared by ArcFace and the e4e encoder: input layer (conv3×3 → BN → PReLU) and the body units.</summary>
public static class IrSe
{
    /// <summary>Builds input_layer and body from the checkpoint's shapes. A unit downsamples (stride 2) when it starts a
    /// stage: the first unit, and every unit whose width changes (get_blocks: each stage's first unit has stride 2).</summary>
    public static (Sequential InputLayer, List<BottleneckIrSe> Body) Build(IReadOnlyDictionary<string, Tensor> sd, string what)
    {
        Tensor Get(string key) => sd.TryGetValue(key, out var t) ? t : throw new CheckpointException($"{what}: missing '{key}'.");
        long stem = Get("input_layer.0.weight").shape[0];
        var input = nn.Sequential(("0", nn.Conv2d(Get("input_layer.0.weight").shape[1], stem, 3, padding: 1, bias: false)),
            ("1", nn.BatchNorm2d(stem)), ("2", nn.PReLU(stem)));
        var body = new List<BottleneckIrSe>();
        for (int i = 0; sd.ContainsKey($"body.{i}.res_layer.1.weight"); i++)
        {
            var conv = Get($"body.{i}.res_layer.1.weight");                 // [depth, in, 3, 3]
            bool widthChanges = conv.shape[0] != conv.shape[1];
            body.Add(new BottleneckIrSe(conv.shape[1], conv.shape[0], i == 0 || widthChanges ? 2 : 1, Get($"body.{i}.res_layer.5.fc1.weight").shape[0]));
        }
        if (body.Count == 0) throw new CheckpointException($"{what}: no body.N units found (is this an IR-SE network?).");
        return (input, body);
    }

    /// <summary>Indices of the last unit of each stage (where the next unit downsamples, and the final unit).</summary>
    public static List<int> StageEnds(IReadOnlyList<BottleneckIrSe> body) =>
        Enumerable.Range(0, body.Count).Where(i => i == body.Count - 1 || body[i + 1].Stride == 2).ToList();
}

/// <summary>Backbone(112, num_layers, 'ir_se'): input layer, IR-SE body, output layer (BN → dropout → flatten → linear →
/// BN1d), L2-normalised. [N,3,112,112] in [−1,1] → [N,E].</summary>
public sealed class ArcFaceBackbone : nn.Module<Tensor, Tensor>
{
    readonly Sequential input_layer, output_layer;
    readonly ModuleList<BottleneckIrSe> body;

    ArcFaceBackbone(Sequential inputLayer, List<BottleneckIrSe> units, long linearIn, long embed) : base(nameof(ArcFaceBackbone))
    {
        input_layer = inputLayer;
        body = nn.ModuleList(units.ToArray());
        long c = units[^1].Depth;
        output_layer = nn.Sequential(("0", nn.BatchNorm2d(c)), ("1", nn.Dropout(0.6)), ("2", nn.Flatten()),
            ("3", nn.Linear(linearIn, embed)), ("4", nn.BatchNorm1d(embed)));
        RegisterComponents();
        eval();
    }

    public long EmbedDim => ((Linear)output_layer[3]).weight.shape[0];

    /// <summary>Loads model_ir_se50.pth (a plain state dict) or the same keys in safetensors; strict.</summary>
    public static ArcFaceBackbone Load(string path)
    {
        using var sd = CheckpointReader.Load(path);
        return Load(sd.Tensors, sd.Source);
    }

    public static ArcFaceBackbone Load(IReadOnlyDictionary<string, Tensor> sd, string what)
    {
        var (input, units) = IrSe.Build(sd, what);
        if (!sd.TryGetValue("output_layer.3.weight", out var linear)) throw new CheckpointException($"{what}: missing 'output_layer.3.weight' (not an ArcFace backbone?).");
        var model = new ArcFaceBackbone(input, units, linear.shape[1], linear.shape[0]);
        StrictLoader.Load(model, sd, what);
        return model;
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = input_layer.forward(x);
        foreach (var unit in body) h = unit.forward(h);
        return nn.functional.normalize(output_layer.forward(h), dim: 1).MoveToOuterDisposeScope();
    }
}

/// <summary>The ID loss's view of a generated face (pSp/e4e/StyleCLIP criteria/id_loss.py): pool to 256 px if needed,
/// crop rows 35:223 and columns 32:220 (the face in an FFHQ-aligned 256 px image), pool to 112, ArcFace.</summary>
public sealed class ArcFaceIdentity(ArcFaceBackbone backbone, string name = "arcface-ir-se50") : IIdentityModel
{
    public string Name { get; } = name;
    public long EmbedDim => backbone.EmbedDim;

    public static ArcFaceIdentity Load(string path) => new(ArcFaceBackbone.Load(path));

    public Tensor Embed(Tensor generated)   // [N,3,H,W] in [−1,1] -> [N,E]
    {
        using var scope = NewDisposeScope();
        var x = generated.shape[2] == 256 && generated.shape[3] == 256 ? generated : nn.functional.adaptive_avg_pool2d(generated, [256, 256]);
        x = x[.., .., TensorIndex.Slice(35, 223), TensorIndex.Slice(32, 220)];
        x = nn.functional.adaptive_avg_pool2d(x, [112, 112]);
        return backbone.forward(x).MoveToOuterDisposeScope();
    }

    public void MoveTo(Device device) => backbone.to(device);

    public void Dispose() => backbone.Dispose();
}
