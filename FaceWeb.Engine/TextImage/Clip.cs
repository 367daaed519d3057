// CLIP — Radford et al., "Learning Transferable Visual Models From Natural Language Supervision" (2021).
// Port of openai/CLIP clip/model.py (ViT variants); field names equal the OpenAI / open_clip `openai` state-dict keys,
// the config is inferred from shapes as build_model does. Facts it must match: ../shared/specs/clip.md.
using FaceWeb.Engine.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceWeb.Engine.TextImage;

public sealed record ClipConfig(int EmbedDim, int ImageResolution, int VisionLayers, int VisionWidth, int Patch,
    int ContextLength, int VocabSize, int TextWidth, int TextLayers)
{
    /// <summary>Heads are not in the shapes: OpenAI uses width/64 for both towers.</summary>
    public int VisionHeads => Math.Max(1, VisionWidth / 64);
    public int TextHeads => Math.Max(1, TextWidth / 64);

    public static ClipConfig VitB32 { get; } = new(512, 224, 12, 768, 32, 77, 49408, 512, 12);

    public static ClipConfig Infer(IReadOnlyDictionary<string, Tensor> sd, string source)
    {
        Tensor Get(string key) => sd.TryGetValue(key, out var t) ? t
            : throw new CheckpointException($"{source}: not a CLIP ViT state dict (no '{key}').");
        static int Count(IReadOnlyDictionary<string, Tensor> d, string prefix) =>
            d.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
                  .Select(k => k[prefix.Length..].Split('.')[0]).Distinct().Count();
        var conv = Get("visual.conv1.weight");
        int patch = (int)conv.shape[^1];
        int grid = (int)Math.Round(Math.Sqrt(Get("visual.positional_embedding").shape[0] - 1));
        return new ClipConfig(
            EmbedDim: (int)Get("text_projection").shape[1],
            ImageResolution: patch * grid,
            VisionLayers: Count(sd, "visual.transformer.resblocks."),
            VisionWidth: (int)conv.shape[0],
            Patch: patch,
            ContextLength: (int)Get("positional_embedding").shape[0],
            VocabSize: (int)Get("token_embedding.weight").shape[0],
            TextWidth: (int)Get("ln_final.weight").shape[0],
            TextLayers: Count(sd, "transformer.resblocks."));
    }
}

public sealed class Clip : nn.Module
{
    readonly ClipVisionTransformer visual;
    readonly ClipTransformer transformer;
    readonly Embedding token_embedding;
    readonly Parameter positional_embedding;   // [ctx, w]
    readonly LayerNorm ln_final;
    readonly Parameter text_projection;        // [w, embed]
    readonly Parameter logit_scale;            // [] log of the temperature's inverse
    readonly Tensor causalMask;                // [ctx, ctx], −inf above the diagonal

    public ClipConfig Config { get; }

    /// <summary>CLIP's image normalisation (RGB in [0,1]).</summary>
    public static readonly float[] Mean = [0.48145466f, 0.4578275f, 0.40821073f], Std = [0.26862954f, 0.26130258f, 0.27577711f];

    public Clip(ClipConfig c) : base(nameof(Clip))
    {
        Config = c;
        visual = new ClipVisionTransformer(c.ImageResolution, c.Patch, c.VisionWidth, c.VisionLayers, c.VisionHeads, c.EmbedDim);
        transformer = new ClipTransformer(c.TextWidth, c.TextLayers, c.TextHeads);
        token_embedding = nn.Embedding(c.VocabSize, c.TextWidth);
        positional_embedding = new Parameter(empty(c.ContextLength, c.TextWidth));
        ln_final = nn.LayerNorm(c.TextWidth, eps: 1e-5);
        text_projection = new Parameter(empty(c.TextWidth, c.EmbedDim));
        logit_scale = new Parameter(tensor(Math.Log(1 / 0.07), float32));
        causalMask = full(c.ContextLength, c.ContextLength, float.NegativeInfinity).triu_(1);
        register_module(nameof(visual), visual);
        register_module(nameof(transformer), transformer);
        register_module(nameof(token_embedding), token_embedding);
        register_parameter(nameof(positional_embedding), positional_embedding);
        register_module(nameof(ln_final), ln_final);
        register_parameter(nameof(text_projection), text_projection);
        register_parameter(nameof(logit_scale), logit_scale);
        eval();
    }

    public static Clip Load(string path)
    {
        using var sd = CheckpointReader.Load(path);
        var tensors = sd.Tensors.Where(kv => kv.Key is not ("input_resolution" or "context_length" or "vocab_size"))
                                .ToDictionary(kv => kv.Key, kv => kv.Value);   // scalars OpenAI's JIT files carry
        var clip = new Clip(ClipConfig.Infer(tensors, path));
        StrictLoader.Load(clip, tensors, path);
        return clip;
    }

    public int ImageResolution => Config.ImageResolution;

    /// <summary>[N,3,R,R] normalised image -> [N,embed] (not normalised). Differentiable.</summary>
    public Tensor EncodeImage(Tensor image)
    {
        if (image.dim() != 4 || image.shape[1] != 3 || image.shape[2] != Config.ImageResolution || image.shape[3] != Config.ImageResolution)
            throw new ArgumentException($"CLIP image must be [N,3,{Config.ImageResolution},{Config.ImageResolution}], got [{string.Join(",", image.shape)}]");
        return visual.forward(image);
    }

    public Device Device => text_projection.device;

    /// <summary>[N,ctx] int64 tokens -> [N,embed] (not normalised), read at each row's end-of-text token.</summary>
    public Tensor EncodeText(Tensor tokens)
    {
        if (tokens.dim() != 2 || tokens.shape[1] != Config.ContextLength)
            throw new ArgumentException($"tokens must be [N,{Config.ContextLength}], got [{string.Join(",", tokens.shape)}]");
        using var scope = NewDisposeScope();
        var x = token_embedding.forward(tokens) + positional_embedding;   // [N,L,w]
        x = transformer.forward(x, causalMask.to(x.device));   // the mask is no buffer (not in the checkpoint)
        x = ln_final.forward(x);
        var eot = tokens.argmax(-1);                                      // the end token has the largest id
        var picked = x[arange(x.shape[0], device: x.device), eot];                          // [N,w]
        return picked.matmul(text_projection).MoveToOuterDisposeScope();
    }

    /// <summary>logits_per_image [Ni,Nt] = exp(logit_scale) · cos(image, text).</summary>
    public Tensor Logits(Tensor imageFeatures, Tensor textFeatures)
    {
        using var scope = NewDisposeScope();
        var i = nn.functional.normalize(imageFeatures, dim: -1);
        var t = nn.functional.normalize(textFeatures, dim: -1);
        return (logit_scale.exp() * i.matmul(t.t())).MoveToOuterDisposeScope();
    }

    /// <summary>Generator output [N,3,H,W] in [−1,1] -> CLIP input [N,3,R,R], differentiably. StyleCLIP's recipe
    /// (nearest ×7, then average-pool by 7H/224 for 1024 px) made general: nearest ×u, then average-pool by u·H/R, with
    /// u = R / gcd(H, R).</summary>
    public Tensor Preprocess(Tensor generated)
    {
        using var scope = NewDisposeScope();
        long h = generated.shape[2], r = Config.ImageResolution;
        long u = r / Gcd(h, r), k = u * h / r;
        var x = generated.add(1).div(2);                                  // [0,1]
        if (u > 1) x = nn.functional.interpolate(x, scale_factor: [u, u], mode: InterpolationMode.Nearest);
        if (k > 1) x = nn.functional.avg_pool2d(x, k);
        var mean = tensor(Mean, device: x.device).to(x.dtype).view(1, 3, 1, 1);
        var std = tensor(Std, device: x.device).to(x.dtype).view(1, 3, 1, 1);
        return ((x - mean) / std).MoveToOuterDisposeScope();
    }

    static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);

    protected override void Dispose(bool disposing)
    {
        if (disposing) causalMask.Dispose();
        base.Dispose(disposing);
    }
}
