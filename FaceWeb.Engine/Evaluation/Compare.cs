// The compare view's engine: one source, one prompt pair, every applicable method side by side with the same metrics
// (text score to the target, identity similarity to the source, pixel distance, time).
using System.Diagnostics;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.Identity;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Evaluation;

/// <summary>What a pack and the app have loaded for the methods; absent parts skip their method.</summary>
public sealed record CompareAssets(StyleGan2Generator Generator, ITextImageSpace Space, IIdentityModel? Identity = null,
    StyleSpaceStats? Stats = null, Tensor? Fs3 = null, IReadOnlyDictionary<string, StyleClipMapper>? Mappers = null,
    IReadOnlyDictionary<string, AttributeDirection>? Sliders = null, IReadOnlyList<string>? Templates = null);

/// <param name="Only">Run just this method (re-running one cell with other parameters); null runs them all.</param>
public sealed record CompareRunOptions(double GlobalAlpha = 3, double GlobalBeta = 0.1, int OptimisationSteps = 60, double L2Lambda = 0.008,
    double IdLambda = 0, double SliderAlpha = 3, double MapperStrength = 1, string? Only = null)
{
    public bool Runs(string method) => Only is null || Only == method;
}

/// <param name="Image">[1,3,H,W]; the receiver disposes it.</param>
/// <param name="Identity">Cosine similarity of identity embeddings to the source (null without an identity model).</param>
/// <param name="PixelDistance">Mean absolute difference to the source image, in [0,1] units.</param>
public sealed record CompareCell(string Method, string Detail, Tensor Image, double TextScore, double? Identity, double PixelDistance, double Milliseconds);

public static class Compare
{
    public static readonly string[] Methods = ["source", "global direction", "mapper", "StyleCLIP optimisation", "TediGAN optimisation", "InterFaceGAN"];

    /// <summary>Runs every applicable method on <paramref name="start"/> [1,L,D]; yields each cell as it finishes (the source
    /// first). Methods that need something missing are skipped. Cancellable between methods and optimisation steps.</summary>
    public static IEnumerable<CompareCell> Run(CompareAssets a, Tensor start, string neutral, string target, CompareRunOptions o, CancellationToken ct = default) =>
        Steps(a, start, neutral, target, o, ct).OfType<CompareCell>();

    /// <summary>The same, with a null item after every optimisation step, so a scheduler can serve others in between.</summary>
    public static IEnumerable<CompareCell?> Steps(CompareAssets a, Tensor start, string neutral, string target, CompareRunOptions o, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(target)) throw new ArgumentException("a target prompt is needed");
        if (o.Only is not null && !Methods.Contains(o.Only)) throw new ArgumentException($"unknown method '{o.Only}' ({string.Join(", ", Methods)})");
        if (o.OptimisationSteps < 1 || !double.IsFinite(o.GlobalAlpha) || !double.IsFinite(o.SliderAlpha) || !double.IsFinite(o.MapperStrength))
            throw new ArgumentException("steps must be ≥ 1 and α, strength finite numbers");
        var g = a.Generator;
        var templates = a.Templates ?? PromptTemplates.Faces;
        Tensor source, text, sourceId;
        using (no_grad())
        {
            source = g.Synthesize(start);
            text = a.Space.EmbedTexts([target])[0];
            sourceId = a.Identity?.Embed(source) ?? empty(0);
        }
        try
        {
            CompareCell Cell(string method, string detail, Tensor image, Stopwatch sw)
            {
                using var _ = no_grad();
                double score = 1 - a.Space.ClipLoss(image, text).item<float>();
                double? id = a.Identity is null ? null : (a.Identity.Embed(image) * sourceId).sum().item<float>();
                double pixel = (image.clamp(-1, 1) - source.clamp(-1, 1)).abs().mean().item<float>() / 2;   // as displayed
                return new CompareCell(method, detail, image, score, id, pixel, sw.Elapsed.TotalMilliseconds);
            }

            if (o.Runs("source")) yield return Cell("source", "", source.clone(), Stopwatch.StartNew());

            if (o.Runs("global direction") && a.Stats is not null && a.Fs3 is not null)
            {
                ct.ThrowIfCancellationRequested();
                var sw = Stopwatch.StartNew();
                Tensor image; int moved;
                using (no_grad())
                using (var scope = NewDisposeScope())
                {
                    var dt = GlobalDirections.Dt(a.Space.EmbedTexts(PromptTemplates.Fill(templates, target)), a.Space.EmbedTexts(PromptTemplates.Fill(templates, neutral)));
                    var layers = Fs3Job.ManipulableLayers(g);
                    (var delta, moved) = GlobalDirections.Boundary(a.Fs3, dt, o.GlobalBeta, layers.Select(l => a.Stats.Std[l.Index]).ToList());
                    image = g.SynthesizeStyles(StyleEdits.Apply(g.Styles(start), layers, delta, o.GlobalAlpha)).MoveToOuterDisposeScope();
                }
                yield return Cell("global direction", $"α {o.GlobalAlpha}, β {o.GlobalBeta}: {moved} channels", image, sw);
            }

            var mapper = a.Mappers?.FirstOrDefault(m => string.Equals(m.Key.Trim(), target.Trim(), StringComparison.OrdinalIgnoreCase)).Value;
            if (o.Runs("mapper") && mapper is not null)
            {
                ct.ThrowIfCancellationRequested();
                var sw = Stopwatch.StartNew();
                Tensor image;
                using (no_grad()) image = g.Synthesize(mapper.Edit(start, o.MapperStrength));
                yield return Cell("mapper", $"strength {o.MapperStrength}", image, sw);
            }

            if (o.Runs("StyleCLIP optimisation"))
            {
                var sw = Stopwatch.StartNew();
                OptimizationFrame? last = null;
                foreach (var f in LatentOptimizer.Run(g, a.Space, start, text, new OptimizationOptions(o.OptimisationSteps, L2Lambda: o.L2Lambda,
                    FrameEvery: o.OptimisationSteps, IdLambda: a.Identity is null ? 0 : o.IdLambda), ct, a.Identity))
                {
                    last = f;
                    if (f.Step < o.OptimisationSteps) yield return null;
                }
                last!.Latent?.Dispose();
                yield return Cell("StyleCLIP optimisation", $"{o.OptimisationSteps} steps, λ_L2 {o.L2Lambda}", last!.Image!, sw);
            }

            if (o.Runs("TediGAN optimisation"))
            {
                // TediGAN's layer-wise control: the text moves only the fine rows (from the coarse/fine split).
                var sw = Stopwatch.StartNew();
                using var blank = zeros(1, 1, g.Config.Size, g.Config.Size);
                SketchFrame? last = null;
                foreach (var f in TediGan.SketchToFace(g, blank, a.Space, text, start,
                    new SketchOptions(o.OptimisationSteps, SketchLambda: 0, FrameEvery: o.OptimisationSteps, L2Lambda: o.L2Lambda), ct))
                {
                    last = f;
                    if (f.Step < o.OptimisationSteps) yield return null;
                }
                last!.Latent?.Dispose();
                yield return Cell("TediGAN optimisation", $"{o.OptimisationSteps} steps, rows {TediGan.DefaultSplit(g.Config.NLatent)}+", last!.Image!, sw);
            }

            var slider = a.Sliders?.Values.FirstOrDefault(s => s.Space == LatentSpace.W && target.Contains(s.Name, StringComparison.OrdinalIgnoreCase));
            if (o.Runs("InterFaceGAN") && slider is not null)
            {
                ct.ThrowIfCancellationRequested();
                var sw = Stopwatch.StartNew();
                Tensor image;
                using (no_grad())
                using (var scope = NewDisposeScope())
                {
                    var n = slider.Normal.dim() == 2 ? slider.Normal.view(1, 1, -1) : slider.Normal;
                    image = g.Synthesize(start + o.SliderAlpha * n).MoveToOuterDisposeScope();
                }
                yield return Cell("InterFaceGAN", $"'{slider.Name}' α {o.SliderAlpha}", image, sw);
            }
        }
        finally
        {
            source.Dispose(); text.Dispose(); sourceId.Dispose();
        }
    }
}
