// CLIP's image tower — openai/CLIP clip/model.py VisionTransformer (ViT, Dosovitskiy et al. 2021).
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceWeb.Engine.TextImage;

public sealed class ClipVisionTransformer : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv1;                  // patchify: kernel = stride = patch, no bias
    readonly Parameter class_embedding;     // [w]
    readonly Parameter positional_embedding;// [grid²+1, w]
    readonly LayerNorm ln_pre, ln_post;
    readonly ClipTransformer transformer;
    readonly Parameter proj;                // [w, embed]

    public int Resolution { get; }

    public ClipVisionTransformer(int resolution, int patch, long width, int layers, int heads, long embedDim)
        : base(nameof(ClipVisionTransformer))
    {
        Resolution = resolution;
        int grid = resolution / patch;
        conv1 = nn.Conv2d(3, width, patch, stride: patch, bias: false);
        class_embedding = new Parameter(empty(width));
        positional_embedding = new Parameter(empty(grid * grid + 1, width));
        ln_pre = nn.LayerNorm(width, eps: 1e-5);
        transformer = new ClipTransformer(width, layers, heads);
        ln_post = nn.LayerNorm(width, eps: 1e-5);
        proj = new Parameter(empty(width, embedDim));
        register_module(nameof(conv1), conv1);
        register_parameter(nameof(class_embedding), class_embedding);
        register_parameter(nameof(positional_embedding), positional_embedding);
        register_module(nameof(ln_pre), ln_pre);
        register_module(nameof(transformer), transformer);
        register_module(nameof(ln_post), ln_post);
        register_parameter(nameof(proj), proj);
    }

    /// <summary>[N,3,R,R] normalised image -> [N,embed] (not L2-normalised).</summary>
    public override Tensor forward(Tensor image)
    {
        using var scope = NewDisposeScope();
        var x = conv1.forward(image);                                    // [N,w,g,g]
        long n = x.shape[0], w = x.shape[1];
        x = x.reshape(n, w, -1).permute(0, 2, 1);                        // [N,g²,w]
        var cls = class_embedding.to(x.dtype).expand(n, 1, w);
        x = cat([cls, x], 1) + positional_embedding;                     // [N,g²+1,w]
        x = transformer.forward(ln_pre.forward(x), null);
        return ln_post.forward(x[.., 0]).matmul(proj).MoveToOuterDisposeScope();
    }
}
