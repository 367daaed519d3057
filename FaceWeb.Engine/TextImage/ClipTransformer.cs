// CLIP's transformer blocks — openai/CLIP clip/model.py (ResidualAttentionBlock, Transformer). Batch-first here
// ([N,L,D]) where the reference is sequence-first; the arithmetic is the same.
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceWeb.Engine.TextImage;

/// <summary>nn.MultiheadAttention's weights (<c>in_proj_weight</c> [3w,w] = q,k,v stacked; <c>out_proj</c>), self-attention only.</summary>
public sealed class ClipAttention : nn.Module<Tensor, Tensor?, Tensor>
{
    readonly Parameter in_proj_weight, in_proj_bias;
    readonly Linear out_proj;
    readonly int heads;

    public ClipAttention(long width, int heads) : base(nameof(ClipAttention))
    {
        in_proj_weight = new Parameter(empty(3 * width, width));
        in_proj_bias = new Parameter(zeros(3 * width));
        out_proj = nn.Linear(width, width);
        this.heads = heads;
        register_parameter(nameof(in_proj_weight), in_proj_weight);
        register_parameter(nameof(in_proj_bias), in_proj_bias);
        register_module(nameof(out_proj), out_proj);
    }

    public override Tensor forward(Tensor x, Tensor? mask)  // [N,L,w], mask [L,L] additive
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], l = x.shape[1], w = x.shape[2], hd = w / heads;
        var qkv = nn.functional.linear(x, in_proj_weight, in_proj_bias).view(n, l, 3, heads, hd).permute(2, 0, 3, 1, 4);
        var (q, k, v) = (qkv[0], qkv[1], qkv[2]);                                  // [N,h,L,hd]
        var att = q.matmul(k.transpose(-2, -1)) * (1.0 / Math.Sqrt(hd));          // [N,h,L,L]
        if (mask is not null) att = att + mask;
        var y = att.softmax(-1).matmul(v).transpose(1, 2).reshape(n, l, w);        // [N,L,w]
        return out_proj.forward(y).MoveToOuterDisposeScope();
    }
}

/// <summary>c_fc (w → 4w) → QuickGELU → c_proj (4w → w).</summary>
public sealed class ClipMlp : nn.Module<Tensor, Tensor>
{
    readonly Linear c_fc, c_proj;

    public ClipMlp(long width) : base(nameof(ClipMlp))
    {
        c_fc = nn.Linear(width, 4 * width);
        c_proj = nn.Linear(4 * width, width);
        register_module(nameof(c_fc), c_fc);
        register_module(nameof(c_proj), c_proj);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = c_fc.forward(x);
        h = h * sigmoid(1.702 * h);   // QuickGELU, the activation CLIP was trained with
        return c_proj.forward(h).MoveToOuterDisposeScope();
    }
}

/// <summary>Pre-LN block: x += attn(ln_1(x)); x += mlp(ln_2(x)).</summary>
public sealed class ClipResidualBlock : nn.Module<Tensor, Tensor?, Tensor>
{
    readonly ClipAttention attn;
    readonly LayerNorm ln_1, ln_2;
    readonly ClipMlp mlp;

    public ClipResidualBlock(long width, int heads) : base(nameof(ClipResidualBlock))
    {
        attn = new ClipAttention(width, heads);
        ln_1 = nn.LayerNorm(width, eps: 1e-5);
        mlp = new ClipMlp(width);
        ln_2 = nn.LayerNorm(width, eps: 1e-5);
        register_module(nameof(attn), attn);
        register_module(nameof(ln_1), ln_1);
        register_module(nameof(mlp), mlp);
        register_module(nameof(ln_2), ln_2);
    }

    public override Tensor forward(Tensor x, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        x = x + attn.forward(ln_1.forward(x), mask);
        x = x + mlp.forward(ln_2.forward(x));
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>Key prefix <c>resblocks.N</c>.</summary>
public sealed class ClipTransformer : nn.Module<Tensor, Tensor?, Tensor>
{
    readonly ModuleList<ClipResidualBlock> resblocks = new();

    public ClipTransformer(long width, int layers, int heads) : base(nameof(ClipTransformer))
    {
        for (int i = 0; i < layers; i++) resblocks.Add(new ClipResidualBlock(width, heads));
        register_module(nameof(resblocks), resblocks);
    }

    public override Tensor forward(Tensor x, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        foreach (var block in resblocks) x = block.forward(x, mask);
        return x.MoveToOuterDisposeScope();
    }
}
