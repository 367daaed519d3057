// The compare view's engine: one source, one prompt pair, every applicable method side by side with the same metrics
// (text score to the target, identity similarity to the source, pixel distance, time). Each method is the pack
// editor's; this file only chooses their parameters and measures.
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Evaluation;

/// <param name="GlobalAlpha">The global direction's defaults (<see cref="GlobalDirectionEdit.DefaultAlpha"/>, ADR 0011; α 3 smeared faces).</param>
/// <param name="Only">Run just this method (re-running one cell with other parameters); null runs them all.</param>
public sealed record CompareRunOptions(double GlobalAlpha = GlobalDirectionEdit.DefaultAlpha, double GlobalBeta = GlobalDirectionEdit.DefaultBeta, int OptimisationSteps = 60, double L2Lambda = 0.008,
    double IdLambda = 0, double SliderAlpha = 3, double MapperStrength = 1, double PrincipalAlpha = 3, EditMethod? Only = null)
{
    public bool Runs(EditMethod method) => Only is null || Only == method;
}

/// <param name="Image">[1,3,H,W]; the receiver disposes it.</param>
/// <param name="Identity">Cosine similarity of identity embeddings to the source (null without an identity model).</param>
/// <param name="PixelDistance">Mean absolute difference to the source image, in [0,1] units.</param>
/// <param name="Latent">The cell's W+ [1,L,D] when its method has one (style-space edits do not); the receiver disposes it.</param>
/// <param name="Request">What was applied to the start (null for the source).</param>
public sealed record CompareCell(EditMethod Method, string Detail, Tensor Image, double TextScore, double? Identity, double PixelDistance, double Milliseconds,
    Tensor? Latent = null, EditRequest? Request = null)
{
    /// <summary>The cell as the editor's result (sharing its tensors), e.g. to store it.</summary>
    public EditResult AsResult() => new(Method, Image, Detail, Milliseconds, Latent);
}

/// <summary>One text → face method's face for a caption and seed, with its text score and time (Compare's text → face mode).</summary>
/// <param name="Mask">where the text acted [1,1,H,W] (SSA-GAN); the receiver disposes it and <paramref name="Image"/>.</param>
public sealed record TextToFaceCell(TextToFaceMethod Method, string Detail, Tensor Image, double TextScore, double Milliseconds, Tensor? Mask = null);

public static class Compare
{
    /// <summary>Every text → face method the pack has, one after another, for one caption and seed: attributes read from
    /// the caption and set with the sliders (then the same steps), TediGAN-style optimisation from the best of 8 starts
    /// (<paramref name="steps"/>), the text → W prior (its start, then the same steps), SSA-GAN (one pass). A null after every optimisation step, so a scheduler can serve others in between.</summary>
    public static IEnumerable<TextToFaceCell?> TextToFace(PackEditor editor, string caption, long seed, int steps, double truncation = 0.7, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(caption)) throw new ArgumentException("a caption is needed");
        var space = editor.Space ?? throw new InvalidOperationException(editor.SpaceMissing);
        var methods = new List<TextToFaceMethod>();
        if (editor.HasAttributeSliders) methods.Add(TextToFaceMethod.Attributes);
        methods.Add(TextToFaceMethod.Optimise);
        if (editor.HasPrior) methods.Add(TextToFaceMethod.Prior);
        if (editor.HasSsaGan) methods.Add(TextToFaceMethod.SsaGan);
        using var text = editor.EmbedText(caption);
        foreach (var method in methods)
        {
            ct.ThrowIfCancellationRequested();
            var sw = System.Diagnostics.Stopwatch.StartNew();
            EditResult? last = null;
            foreach (var f in editor.TextToFace(caption, seed, method, method == TextToFaceMethod.SsaGan ? 0 : steps, truncation, frames: 1, ct: ct))
            {
                if (f is null) { yield return null; continue; }
                last?.Dispose();
                last = f;
            }
            double score;
            using (no_grad()) score = 1 - EngineDevice.Read(space.ClipLoss(last!.Image, text));
            last.Latent?.Dispose();
            string detail = method switch
            {
                TextToFaceMethod.SsaGan => "one pass",
                TextToFaceMethod.Prior => steps == 0 ? "the prior's face" : $"the prior's start, {steps} steps",
                TextToFaceMethod.Attributes => steps == 0 ? "attributes from the caption" : $"attributes from the caption, {steps} steps",
                _ => $"best of 8 starts, {steps} steps",
            };
            yield return new TextToFaceCell(method, detail, last.Image, score, sw.Elapsed.TotalMilliseconds, last.Mask);
        }
    }

    /// <summary>A cell's metrics as one caption line ("text 0.312 · px 0.041 · id 0.873"), for every grid of cells.</summary>
    public static string Scores(double textScore, double pixelDistance, double? identity) =>
        FormattableString.Invariant($"text {textScore:0.000}") + (double.IsNaN(pixelDistance) ? "" : FormattableString.Invariant($" · px {pixelDistance:0.000}"))
        + (identity is { } id ? FormattableString.Invariant($" · id {id:0.000}") : "");

    /// <summary>Runs every applicable method on <paramref name="start"/> [1,L,D]; yields each cell as it finishes (the source
    /// first). Methods that need something missing are skipped. Cancellable between methods and optimisation steps.</summary>
    public static IEnumerable<CompareCell> Run(PackEditor editor, Tensor start, string neutral, string target, CompareRunOptions o, CancellationToken ct = default) =>
        Steps(editor, start, neutral, target, o, ct).OfType<CompareCell>();

    /// <summary>The same, with a null item after every optimisation step, so a scheduler can serve others in between.</summary>
    public static IEnumerable<CompareCell?> Steps(PackEditor editor, Tensor start, string neutral, string target, CompareRunOptions o, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(target)) throw new ArgumentException("a target prompt is needed");
        if (o.OptimisationSteps < 1 || !double.IsFinite(o.GlobalAlpha) || !double.IsFinite(o.SliderAlpha) || !double.IsFinite(o.MapperStrength) || !double.IsFinite(o.PrincipalAlpha))
            throw new ArgumentException("steps must be ≥ 1 and α, strength finite numbers");
        var space = editor.Space ?? throw new InvalidOperationException(editor.SpaceMissing);
        var identity = editor.Identity;
        Tensor source, text, sourceId;
        using (no_grad())
        {
            source = editor.Generator.Synthesize(start);
            text = editor.EmbedText(target);
            sourceId = identity?.Embed(source) ?? empty(0);
        }
        try
        {
            CompareCell Cell(EditResult r, EditRequest? request)
            {
                using var _ = no_grad();
                double score = 1 - space.ClipLoss(r.Image, text).item<float>();
                double? id = identity is null ? null : (identity.Embed(r.Image) * sourceId).sum().item<float>();
                double pixel = (r.Image.clamp(-1, 1) - source.clamp(-1, 1)).abs().mean().item<float>() / 2;   // as displayed
                return new CompareCell(r.Method, r.Detail, r.Image, score, id, pixel, r.Milliseconds, r.Latent, request);
            }
            CompareCell? OnePass(EditMethod method, Func<EditRequest?> request)
            {
                if (!o.Runs(method)) return null;
                ct.ThrowIfCancellationRequested();
                return request() is { } r ? Cell(editor.Apply(start, r), r) : null;
            }

            if (o.Runs(EditMethod.Source)) yield return Cell(editor.Render(start), null);
            if (OnePass(EditMethod.GlobalDirection, () => editor.HasGlobalDirections ? new GlobalDirectionEdit(neutral, target, o.GlobalAlpha, o.GlobalBeta) : null) is { } g)
                yield return g;
            if (OnePass(EditMethod.Mapper, () => editor.MapperFor(target) is { } m ? new MapperEdit(m, o.MapperStrength) : null) is { } mapper)
                yield return mapper;
            foreach (var fineOnly in new[] { false, true })
            {
                var request = fineOnly ? new OptimiseEdit(target, o.OptimisationSteps, o.L2Lambda, Frames: 1, FineRowsOnly: true)
                    : editor.EditOptimisation(target, o.OptimisationSteps, o.L2Lambda, identity is null ? 0 : o.IdLambda, frames: 1);
                if (!o.Runs(request.Method)) continue;
                EditResult? last = null;
                foreach (var f in editor.Optimise(start, request, ct))
                {
                    if (f is null) { yield return null; continue; }
                    last?.Dispose();
                    last = f;
                }
                yield return Cell(last! with { Detail = $"{o.OptimisationSteps} steps, " + (fineOnly ? $"rows {TediGan.DefaultSplit(editor.Generator.Config.NLatent)}+" : $"λ_L2 {o.L2Lambda}"
                    + request.GuidanceDetail) }, request);
            }
            if (OnePass(EditMethod.InterFaceGan, () => editor.SliderMentionedIn(target) is { } s ? new SliderEdit([(s.Name, o.SliderAlpha)]) : null) is { } slider)
                yield return slider;
            if (OnePass(EditMethod.PrincipalDirections, () => editor.DiscoverFor(start, text, o.PrincipalAlpha)) is { } principal)
                yield return principal;
        }
        finally
        {
            source.Dispose(); text.Dispose(); sourceId.Dispose();
        }
    }
}
