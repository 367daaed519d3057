using System.Numerics;
using TorchSharp;
// StyleGAN2 generator — Karras et al., "Analyzing and Improving the Image Quality of StyleGAN" (CVPR 2020).
// Port of rosinality/stylegan2-pytorch model.py `Generator` (the layout of stylegan2-ffhq-config-f.pt);
// module and field names equal the state-dict keys. Facts it must match: ../shared/specs/stylegan2.md.
using FaceWeb.Engine.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Generators.StyleGan2;

public sealed class StyleGan2Generator : nn.Module
{
    readonly Sequential style;              // mapping: PixelNorm + n_mlp × EqualLinear(lr_mul 0.01, lrelu)
    readonly ConstantInput input;
    readonly StyledConv conv1;
    readonly ToRgb to_rgb1;
    readonly ModuleList<StyledConv> convs;  // per resolution: up-conv, conv
    readonly ModuleList<ToRgb> to_rgbs;
    readonly NoiseBuffers noises;

    public StyleGan2Config Config { get; }
    /// <summary>Mean W (truncation centre), [D]. From the checkpoint's <c>latent_avg</c> or estimated.</summary>
    public Tensor LatentAvg { get; private set; }
    public IReadOnlyList<StyleLayer> Layers { get; }

    public StyleGan2Generator(StyleGan2Config config, long seed = 0) : base(nameof(StyleGan2Generator))
    {
        using var _ = no_grad();
        var rng = new Generator((ulong)seed);
        manual_seed(seed);
        Config = config;
        int d = config.StyleDim;
        var mapping = new List<(string, nn.Module<Tensor, Tensor>)> { ("0", new PixelNorm()) };
        for (int i = 1; i <= config.NMlp; i++)
            mapping.Add((i.ToString(), new EqualLinear(d, d, lrMul: config.LrMlp, activate: true)));
        style = nn.Sequential(mapping.ToArray());

        int c4 = config.Channels[4];
        input = new ConstantInput(c4);
        conv1 = new StyledConv(c4, c4, 3, d);
        to_rgb1 = new ToRgb(c4, d, upsample: false);
        convs = new ModuleList<StyledConv>();
        to_rgbs = new ModuleList<ToRgb>();
        int inCh = c4;
        for (int r = 8; r <= config.Size; r *= 2)
        {
            int outCh = config.Channels[r];
            convs.Add(new StyledConv(inCh, outCh, 3, d, upsample: true));
            convs.Add(new StyledConv(outCh, outCh, 3, d));
            to_rgbs.Add(new ToRgb(outCh, d));
            inCh = outCh;
        }
        noises = new NoiseBuffers(config.LogSize, rng);
        register_module(nameof(style), style);
        register_module(nameof(input), input);
        register_module(nameof(conv1), conv1);
        register_module(nameof(to_rgb1), to_rgb1);
        register_module(nameof(convs), convs);
        register_module(nameof(to_rgbs), to_rgbs);
        register_module(nameof(noises), noises);
        Layers = DescribeLayers(config);
        LatentAvg = zeros(d);
        eval();
    }

    /// <summary>Loads <c>g_ema</c> (+ <c>latent_avg</c>) from a rosinality .pt or a safetensors file with the same keys.</summary>
    public static StyleGan2Generator Load(string path)
    {
        using var sd = CheckpointReader.Load(path);
        return FromStateDict(sd);
    }

    public static StyleGan2Generator FromStateDict(StateDict sd, string prefix = "g_ema")
    {
        var g = sd.Under(prefix);
        var config = StyleGan2Config.Infer(g, sd.Source);
        var gen = new StyleGan2Generator(config);
        StrictLoader.Load(gen, g, $"{sd.Source} ({prefix})");
        if (sd.Contains("latent_avg"))
        {
            var avg = sd["latent_avg"];
            if (avg.numel() != config.StyleDim)
                throw new CheckpointException($"{sd.Source}: latent_avg has {avg.numel()} values, the generator's style_dim is {config.StyleDim}.");
            gen.SetLatentAvg(avg.reshape(config.StyleDim));
        }
        else gen.EstimateLatentAvg();
        return gen;
    }

    public void SetLatentAvg(Tensor avg)
    {
        LatentAvg.Dispose();
        LatentAvg = avg.detach().to(float32, Device).clone();
    }

    /// <summary>Where the weights live (<see cref="MoveTo"/>).</summary>
    public Device Device => input.Device;

    /// <summary>Moves every parameter, buffer and <see cref="LatentAvg"/> to <paramref name="device"/>; returns this.</summary>
    public StyleGan2Generator MoveTo(Device device)
    {
        this.to(device);
        var avg = LatentAvg;
        LatentAvg = avg.to(device).clone();
        avg.Dispose();
        return this;
    }

    /// <summary>Mean of mapping(z) over <paramref name="samples"/> seeded z (rosinality's mean_latent).</summary>
    public void EstimateLatentAvg(int samples = 4096, long seed = 0)
    {
        using var _ = no_grad();
        Tensor mean;
        using (var scope = NewDisposeScope())
            mean = Map(EngineDevice.SeededNormal([samples, Config.StyleDim], new Generator((ulong)seed), Device)).mean([0]).MoveToOuterDisposeScope();
        using (mean) SetLatentAvg(mean);                       // the kept copy is made outside the scope, so it outlives it
    }

    // ---------------------------------------------------------------- latent space

    /// <summary>Mapping network f: Z → W. [N,D] -> [N,D]</summary>
    public Tensor Map(Tensor z) => style.forward(EngineDevice.Expect(z, Device, "z"));

    /// <summary>w′ = w_avg + ψ (w − w_avg). Works on W [N,D] and W+ [N,L,D].</summary>
    public Tensor Truncate(Tensor w, double psi) => psi == 1 ? w.alias() : LatentAvg + psi * (w - LatentAvg);

    /// <summary>z → mapping → truncation ψ → W+: the usual way into synthesis. [N,D] -> [N,L,D]</summary>
    public Tensor WPlusFromZ(Tensor z, double psi = 1)
    {
        using var scope = NewDisposeScope();
        return Broadcast(Truncate(Map(z), psi)).MoveToOuterDisposeScope();
    }

    /// <summary>[N,D] W -> [N,L,D] W+ (the same style for every layer).</summary>
    public Tensor Broadcast(Tensor w) => w.unsqueeze(1).expand(-1, Config.NLatent, -1);

    /// <summary>Style mixing: rows 0…k−1 from <paramref name="w1"/>, rows k…L−1 from <paramref name="w2"/>. [N,D]×2 -> [N,L,D]</summary>
    public Tensor Mix(Tensor w1, Tensor w2, int injectIndex)
    {
        if (injectIndex < 0 || injectIndex > Config.NLatent)
            throw new ArgumentOutOfRangeException(nameof(injectIndex), $"inject index must be in 0..{Config.NLatent}");
        using var scope = NewDisposeScope();
        var a = w1.unsqueeze(1).expand(-1, injectIndex, -1);
        var b = w2.unsqueeze(1).expand(-1, Config.NLatent - injectIndex, -1);
        return cat([a, b], 1).MoveToOuterDisposeScope();
    }

    // ---------------------------------------------------------------- StyleSpace

    /// <summary>The StyleSpace vectors s_k = modulation_k(W+ row) in forward order (conv1, to_rgb1, then up-conv, conv, to_rgb
    /// per resolution). [N,L,D] -> list of [N,C_k]</summary>
    public IReadOnlyList<Tensor> Styles(Tensor wplus)
    {
        CheckWPlus(wplus);
        EngineDevice.Expect(wplus, Device, "W+");
        var result = new List<Tensor>(Layers.Count);
        foreach (var layer in Layers)
            result.Add(ModConv(layer.Index).Style(wplus[.., layer.WRow]));
        return result;
    }

    // ---------------------------------------------------------------- synthesis

    /// <summary>Synthesis from W+. [N,L,D] -> [N,3,H,W] float32, unclamped, ≈ [−1,1].</summary>
    public Tensor Synthesize(Tensor wplus, NoiseSpec? noise = null)
    {
        using var scope = NewDisposeScope();
        return SynthesizeStyles(Styles(wplus), noise).MoveToOuterDisposeScope();
    }

    /// <summary>A quick preview of <see cref="Synthesize"/>: the skip architecture's RGB image as it stands after the
    /// <paramref name="resolution"/> px block (StyleGAN2 §4.1: every block adds to one RGB image), up-sampled bilinearly
    /// to the full size; the blocks above are not run. [N,L,D] -> [N,3,H,W]</summary>
    public Tensor Preview(Tensor wplus, int resolution, NoiseSpec? noise = null)
    {
        using var scope = NewDisposeScope();
        return PreviewStyles(Styles(wplus), resolution, noise).MoveToOuterDisposeScope();
    }

    /// <summary><see cref="Preview"/> from StyleSpace vectors.</summary>
    public Tensor PreviewStyles(IReadOnlyList<Tensor> s, int resolution, NoiseSpec? noise = null)
    {
        if (resolution < 4 || resolution > Config.Size || (resolution & (resolution - 1)) != 0)
            throw new ArgumentException($"a preview is rendered at a power of two from 4 to {Config.Size} px, not {resolution}");
        using var scope = NewDisposeScope();
        var partial = SynthesizeStyles(s, noise, resolution);                                    // [N,3,r,r]
        return (resolution == Config.Size ? partial
            : nn.functional.interpolate(partial, [Config.Size, Config.Size], mode: InterpolationMode.Bilinear, align_corners: false)).MoveToOuterDisposeScope();
    }

    /// <summary>Synthesis from StyleSpace vectors (one per entry of <see cref="Layers"/>). -> [N,3,H,W]</summary>
    public Tensor SynthesizeStyles(IReadOnlyList<Tensor> s, NoiseSpec? noise = null) => SynthesizeStyles(s, noise, Config.Size);

    /// <summary>The same, stopping after the block of <paramref name="stopAt"/> px: the RGB image so far. -> [N,3,r,r]</summary>
    Tensor SynthesizeStyles(IReadOnlyList<Tensor> s, NoiseSpec? noise, int stopAt)
    {
        int end = 2 + 3 * (BitOperations.Log2((uint)stopAt) - 2);      // after to_rgb1 (4 px) or the stopAt px block's to_rgb
        using var state = Walk(null, s, noise, end);
        return state.Skip!.alias();
    }

    /// <summary>Synthesis paused before layer <paramref name="layer"/> (an index into <see cref="Layers"/>): the
    /// activations and the RGB image so far. Layers before it never change for edits that move only later styles, so
    /// <see cref="SynthesizeFrom"/> can run the rest many times (fs3 moves one channel at a time).</summary>
    public SynthesisState SynthesizeUntil(IReadOnlyList<Tensor> s, int layer, NoiseSpec? noise = null)
    {
        if (layer < 0 || layer > Layers.Count) throw new ArgumentOutOfRangeException(nameof(layer), $"layer must be in 0..{Layers.Count}");
        return Walk(null, s, noise, layer);
    }

    /// <summary>The rest of a synthesis paused by <see cref="SynthesizeUntil"/>. <paramref name="s"/> must hold the
    /// same styles as the paused run on the layers before <see cref="SynthesisState.Next"/> (they are not run again);
    /// later layers may differ. Noise must be <see cref="NoiseMode.Const"/> or <see cref="NoiseMode.Zero"/> for the
    /// result to equal <see cref="SynthesizeStyles(IReadOnlyList{Tensor}, NoiseSpec?)"/>. -> [N,3,H,W]</summary>
    public Tensor SynthesizeFrom(SynthesisState state, IReadOnlyList<Tensor> s, NoiseSpec? noise = null)
    {
        using var end = Walk(state, s, noise, Layers.Count);
        return end.Skip!.alias();
    }

    /// <summary>Runs layers from <paramref name="from"/>'s next layer (the constant input when null) up to, not
    /// including, <paramref name="to"/>; batches above <see cref="MaxBatchPerPass"/> run in chunks.</summary>
    SynthesisState Walk(SynthesisState? from, IReadOnlyList<Tensor> s, NoiseSpec? noise, int to)
    {
        if (s.Count != Layers.Count)
            throw new ArgumentException($"expected {Layers.Count} style vectors, got {s.Count}");
        for (int q = 0; q < s.Count; q++)
            if (s[q].dim() != 2 || s[q].shape[1] != Layers[q].Channels)
                throw new ArgumentException($"style vector {q} ({Layers[q].Name}) must be [N,{Layers[q].Channels}], got [{string.Join(",", s[q].shape)}]");
        long n = s[0].shape[0];
        if (from is not null && from.X.shape[0] != n)
            throw new ArgumentException($"the paused synthesis holds {from.X.shape[0]} images, the styles {n}");
        noise ??= NoiseSpec.Const;
        foreach (var t in s) EngineDevice.Expect(t, Device, "a style vector");
        long chunk = MaxBatchPerPass;
        if (n > chunk)
        {
            using var outer = NewDisposeScope();
            var parts = new List<SynthesisState>();
            for (long i = 0; i < n; i += chunk)
            {
                var rows = TensorIndex.Slice(i, Math.Min(n, i + chunk));
                var part = noise.Mode == NoiseMode.Explicit
                    ? noise with { Maps = noise.Maps!.Select(m => m.shape[0] == n ? m[rows] : m).ToList() }
                    : noise;
                var fromRows = from is null ? null : new SynthesisState(from.X[rows], from.Skip?[rows], from.Next);
                parts.Add(Walk(fromRows, s.Select(t => t[rows]).ToList(), part, to));
            }
            var x = cat(parts.Select(p => p.X).ToList(), 0);
            var skipAll = parts[0].Skip is null ? null : cat(parts.Select(p => p.Skip!).ToList(), 0);
            return new SynthesisState(x.MoveToOuterDisposeScope(), skipAll?.MoveToOuterDisposeScope(), to);
        }
        var maps = NoiseMaps(noise);
        var rng = noise.Rng;
        using var scope = NewDisposeScope();
        var (h, skip, k) = from is null ? (input.Forward(n), (Tensor?)null, 0) : (from.X, from.Skip, from.Next);
        for (; k < to; k++)
        {
            if (k == 0) h = conv1.Forward(h, s[0], maps[0], rng);
            else if (k == 1) skip = to_rgb1.Forward(h, s[1], null);                             // 4 px
            else
            {
                int i = (k - 2) / 3;
                switch ((k - 2) % 3)
                {
                    case 0: h = convs[2 * i].Forward(h, s[k], maps[1 + 2 * i], rng); break;   // up-conv
                    case 1: h = convs[2 * i + 1].Forward(h, s[k], maps[2 + 2 * i], rng); break;
                    default: skip = to_rgbs[i].Forward(h, s[k], skip); break;                   // 8·2^i px
                }
            }
        }
        return new SynthesisState(h.alias().MoveToOuterDisposeScope(), skip?.alias().MoveToOuterDisposeScope(), to);
    }

    /// <summary>Largest batch synthesised in one pass: about 2¹⁷ output pixels (32 images at 64 px, 2 at 256 px, 1 at 1024 px).
    /// Bigger batches run in chunks, because large passes are memory-bound: a batch of 8 at 1024 px was 3.7× slower per image
    /// in one pass, and 6 000 fixture images rendered in batches of 200 took ~3× longer than in batches of 32.</summary>
    public long MaxBatchPerPass => Math.Max(1, (1L << 17) / ((long)Config.Size * Config.Size));

    /// <summary>Number of noise layers (2·log2(size) − 3).</summary>
    public int NoiseLayers => noises.Count;

    Tensor?[] NoiseMaps(NoiseSpec noise)
    {
        var all = noises.All;
        var maps = new Tensor?[all.Count];
        switch (noise.Mode)
        {
            case NoiseMode.Const:
                for (int j = 0; j < maps.Length; j++) maps[j] = all[j];
                break;
            case NoiseMode.Zero:
                for (int j = 0; j < maps.Length; j++) maps[j] = zeros_like(all[j]);
                break;
            case NoiseMode.Explicit:
                if (noise.Maps is null || noise.Maps.Count != maps.Length)
                    throw new ArgumentException($"explicit noise needs {maps.Length} maps, got {noise.Maps?.Count ?? 0}");
                for (int j = 0; j < maps.Length; j++)
                {
                    var want = all[j].shape[2];
                    if (noise.Maps[j].dim() != 4 || noise.Maps[j].shape[1] != 1 || noise.Maps[j].shape[2] != want || noise.Maps[j].shape[3] != want)
                        throw new ArgumentException($"noise map {j} must be [N or 1,1,{want},{want}], got [{string.Join(",", noise.Maps[j].shape)}]");
                    maps[j] = noise.Maps[j];
                }
                break;
            case NoiseMode.Random:
                break;  // null → NoiseInjection draws
        }
        return maps;
    }

    void CheckWPlus(Tensor wplus)
    {
        if (wplus.dim() != 3 || wplus.shape[1] != Config.NLatent || wplus.shape[2] != Config.StyleDim)
            throw new ArgumentException($"W+ must be [N,{Config.NLatent},{Config.StyleDim}], got [{string.Join(",", wplus.shape)}]");
    }

    ModulatedConv2d ModConv(int layer)
    {
        if (layer == 0) return conv1.Conv;
        if (layer == 1) return to_rgb1.Conv;
        int i = (layer - 2) / 3, j = (layer - 2) % 3;
        return j switch { 0 => convs[2 * i].Conv, 1 => convs[2 * i + 1].Conv, _ => to_rgbs[i].Conv };
    }

    static List<StyleLayer> DescribeLayers(StyleGan2Config c)
    {
        var layers = new List<StyleLayer>
        {
            new(0, "conv1", c.Channels[4], 0, false, 4),
            new(1, "to_rgb1", c.Channels[4], 1, true, 4),
        };
        int row = 1, inCh = c.Channels[4], i = 0;
        for (int r = 8; r <= c.Size; r *= 2, i++, row += 2)
        {
            int outCh = c.Channels[r];
            layers.Add(new(layers.Count, $"convs.{2 * i}", inCh, row, false, r));
            layers.Add(new(layers.Count, $"convs.{2 * i + 1}", outCh, row + 1, false, r));
            layers.Add(new(layers.Count, $"to_rgbs.{i}", outCh, row + 2, true, r));
            inCh = outCh;
        }
        return layers;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) LatentAvg.Dispose();
        base.Dispose(disposing);
    }
}
