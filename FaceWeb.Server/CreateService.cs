using System.Globalization;
using System.Runtime.CompilerServices;
using FaceWeb.Components.Services;
using FaceWeb.Engine;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Evaluation;
using FaceWeb.Engine.Generators;
using FaceWeb.Engine.Jobs;
using static TorchSharp.torch;

namespace FaceWeb.Server;

/// <summary>One per circuit: text → face, sketch → face and the compare view, each streamed in scheduler turns.</summary>
public sealed class CreateService(EngineSession engineSession, SessionLatentStore session) : ICreateService
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    EngineHost host => engineSession.Host;

    public async Task<CreateCapabilities> GetCapabilitiesAsync(CancellationToken ct = default)
    {
        var (engine, _) = await host.Ready.WaitAsync(ct);
        var a = await host.Edits.WaitAsync(ct);
        return new CreateCapabilities(engine.Generator.Config.Size, a.Space is not null, a.Space is not null && a.PriorFile is not null, a.Unavailable);
    }

    public async IAsyncEnumerable<CreateFrame> TextToFaceAsync(TextToFaceRequest r, [EnumeratorCancellation] CancellationToken ct = default)
    {
        try
        {
            r = r with { Caption = Inputs.Text(r.Caption, "caption") };
            if (r.Count is < 1 or > 6) throw new ArgumentException("Between 1 and 6 faces.");
            if (r.Steps is < 0 or > 1000) throw new ArgumentException("Steps must be between 0 and 1000.");
            Inputs.Seed(r.Seed, r.Count);
            if (r.Method is not ("optimise" or "prior")) throw new ArgumentException($"Unknown method '{r.Method}'.");
        }
        catch (ArgumentException e) when (engineSession.Refused("text → face", e)) { throw; }
        var (engine, _) = await host.Ready.WaitAsync(ct);
        var a = await host.Edits.WaitAsync(ct);
        if (a.Space is null) throw new InvalidOperationException(a.Unavailable ?? "Text → face needs a text–image space.");
        if (r.Method == "prior" && a.PriorFile is null) throw new InvalidOperationException("This pack has no text → W prior (faceweb train prior).");
        var g = engine.Generator;
        for (int slot = 0; slot < r.Count; slot++)
        {
            long seed = r.Seed + slot;
            int i = slot;
            IEnumerable<CreateFrame> Frames(CancellationToken token)
            {
                // No torch scope may span a yield (other clients run on this thread between turns).
                Tensor text, start;
                byte[]? priorPng = null;
                using (no_grad())
                using (var scope = NewDisposeScope())
                {
                    text = a.Space.EmbedTexts([r.Caption])[0].MoveToOuterDisposeScope();
                    if (r.Method == "optimise") start = TediGan.BestStart(g, a.Space, text, 8, seed).MoveToOuterDisposeScope();
                    else
                    {
                        a.Prior ??= TextToWPrior.Load(a.PriorFile!);
                        int split = TediGan.DefaultSplit(g.Config.NLatent);
                        start = cat([a.Prior.WPlus(g, text.unsqueeze(0))[.., TensorIndex.Slice(0, split)],
                            engine.SeedWPlus(seed, 0.7)[.., TensorIndex.Slice(split, null)]], 1).MoveToOuterDisposeScope();
                        priorPng = ImageTensors.ToPng(g.Synthesize(start));
                    }
                }
                if (priorPng is not null)
                    yield return new CreateFrame(i, priorPng, $"seed {seed}: prior", Progress(i, 0, r),
                        r.Steps == 0 ? session.Add(start, $"\"{r.Caption}\" (prior, seed {seed})", priorPng) : null);
                try
                {
                    if (r.Steps == 0) yield break;
                    var options = new OptimizationOptions(r.Steps, L2Lambda: r.Method == "prior" ? 0.008 : 0, FrameEvery: Math.Max(1, r.Steps / 10));
                    foreach (var f in LatentOptimizer.Run(g, a.Space, start, text, options, token))
                    {
                        if (f.Image is null) continue;
                        using var img = f.Image;
                        using var latent = f.Latent;
                        var png = ImageTensors.ToPng(img);
                        string? id = f.Step == r.Steps ? session.Add(latent!, $"\"{r.Caption}\" (seed {seed})", png) : null;
                        yield return new CreateFrame(i, png,
                            $"seed {seed}: step {f.Step}/{r.Steps}, text loss {f.ClipLoss.ToString("0.000", Inv)}", Progress(i, (double)f.Step / r.Steps, r), id);
                    }
                }
                finally { text.Dispose(); start.Dispose(); }
            }
            await foreach (var f in Stream("text → face", Frames, ct)) yield return f;
        }
    }

    static double Progress(int slot, double within, TextToFaceRequest r) => (slot + within) / r.Count;

    public async IAsyncEnumerable<CreateFrame> SketchToFaceAsync(SketchToFaceRequest r, [EnumeratorCancellation] CancellationToken ct = default)
    {
        try
        {
            if (r.Size is < 16 or > 1024 || r.Sketch is null || r.Sketch.Length != r.Size * r.Size) throw new ArgumentException("The sketch must be Size×Size grey levels.");
            if (r.Sketch.Any(v => !float.IsFinite(v))) throw new ArgumentException("The sketch contains values that are not numbers.");
            if (r.Sketch.All(v => v >= 0.99f)) throw new ArgumentException("The sketch is empty: draw something first.");
            if (r.Steps is < 1 or > 1000) throw new ArgumentException("Steps must be between 1 and 1000.");
            Inputs.Seed(r.Seed);
            r = r with { Caption = Inputs.OptionalText(r.Caption, "caption") };
        }
        catch (ArgumentException e) when (engineSession.Refused("sketch → face", e)) { throw; }
        var (engine, _) = await host.Ready.WaitAsync(ct);
        var a = await host.Edits.WaitAsync(ct);
        bool captioned = r.Caption is not null;
        if (captioned && a.Space is null) throw new InvalidOperationException(a.Unavailable ?? "A caption needs a text–image space.");
        var g = engine.Generator;
        IEnumerable<CreateFrame> Frames(CancellationToken token)
        {
            Tensor target, start; Tensor? text = null;
            using (no_grad())
            using (var scope = NewDisposeScope())
            {
                target = TediGan.SketchTarget(tensor(r.Sketch, [1, 1, r.Size, r.Size]), g.Config.Size).MoveToOuterDisposeScope();
                start = engine.SeedWPlus(r.Seed, 0.7).MoveToOuterDisposeScope();
                if (captioned) text = a.Space!.EmbedTexts([r.Caption!.Trim()])[0].MoveToOuterDisposeScope();
            }
            try
            {
                var options = new SketchOptions(r.Steps, FrameEvery: Math.Max(1, r.Steps / 10));
                foreach (var f in TediGan.SketchToFace(g, target, captioned ? a.Space : null, text, start, options, token))
                {
                    if (f.Image is null) continue;
                    using var img = f.Image;
                    using var latent = f.Latent;
                    var png = ImageTensors.ToPng(img);
                    string? id = f.Step == r.Steps ? session.Add(latent!, captioned ? $"sketch + \"{r.Caption!.Trim()}\"" : "sketch", png) : null;
                    yield return new CreateFrame(0, png, $"seed {r.Seed}: step {f.Step}/{r.Steps}, sketch loss {f.SketchLoss.ToString("0.000", Inv)}"
                        + (captioned ? $", text loss {f.TextLoss.ToString("0.000", Inv)}" : ""), (double)f.Step / r.Steps, id);
                }
            }
            finally { target.Dispose(); start.Dispose(); text?.Dispose(); }
        }
        await foreach (var f in Stream("sketch → face", Frames, ct)) yield return f;
    }

    public async Task<PhotoFaces> FindFacesAsync(byte[] photo, CancellationToken ct = default)
    {
        try
        {
            Engine.Inversion.ImageUpload.CheckFile(photo);
            var (engine, _) = await host.Ready.WaitAsync(ct);
            var a = await host.Edits.WaitAsync(ct);
            if (a.Aligner is null) return new PhotoFaces([], a.AlignerOff);
            return await engineSession.RunAsync("faces", _ =>
            {
                var faces = a.Aligner.AlignUpload(photo, engine.Generator.Config.Size, engine.Pack.Framing);   // ArgumentException with the reason
                try { return new PhotoFaces(faces.Select(f => ImageTensors.ToPng(f.Image)).ToList()); }
                finally { foreach (var f in faces) f.Dispose(); }
            }, ct);
        }
        catch (ArgumentException e) when (engineSession.Refused("upload", e)) { throw; }
    }

    public async IAsyncEnumerable<CreateFrame> InvertAsync(InvertRequest r, [EnumeratorCancellation] CancellationToken ct = default)
    {
        try
        {
            Engine.Inversion.ImageUpload.CheckFile(r.Photo);
            if (r.Steps is < 1 or > 2000) throw new ArgumentException("Steps must be between 1 and 2000.");
        }
        catch (ArgumentException e) when (engineSession.Refused("upload", e)) { throw; }
        var (engine, _) = await host.Ready.WaitAsync(ct);
        var a = await host.Edits.WaitAsync(ct);
        var g = engine.Generator;
        IEnumerable<CreateFrame> Frames(CancellationToken token)
        {
            var target = Target(r, a, engine);                                            // ArgumentException with the reason
            var start = a.Encoder?.Invert(target) ?? TediGan.MeanStart(g);
            try
            {
                yield return new CreateFrame(0, ImageTensors.ToPng(target), r.Face is null ? $"your photo as the generator sees it ({g.Config.Size} px)"
                    : $"face {r.Face + 1}, aligned to the pack's framing ({g.Config.Size} px)", 0);
                var options = new Engine.Inversion.ProjectionOptions(r.Steps, FrameEvery: Math.Max(1, r.Steps / 10));
                foreach (var f in Engine.Inversion.Projector.Run(g, target, start, options, a.Identity, a.Space, token))
                {
                    if (f.Image is null) continue;
                    using var img = f.Image;
                    using var latent = f.Latent;
                    var png = ImageTensors.ToPng(img);
                    string detail = $"reconstruction: step {f.Step}/{r.Steps}, pixel error {f.Pixel.ToString("0.0000", Inv)}"
                        + (double.IsNaN(f.Identity) ? "" : $", identity {f.Identity.ToString("0.000", Inv)}");
                    string? id = f.Step == r.Steps ? session.Add(latent!, "uploaded photo", png) : null;
                    yield return new CreateFrame(1, png, detail, (double)f.Step / r.Steps, id);
                }
            }
            finally { target.Dispose(); start.Dispose(); }
        }
        await foreach (var f in Stream("photo → face", Frames, ct)) yield return f;
    }

    /// <summary>The chosen face aligned (found again: detection is deterministic), or the centre square without a choice.</summary>
    static Tensor Target(InvertRequest r, EditAssets a, FaceEngine engine)
    {
        int size = engine.Generator.Config.Size;
        if (r.Face is not int k) return Engine.Inversion.ImageUpload.Decode(r.Photo, size);
        if (a.Aligner is null) throw new ArgumentException(a.AlignerOff ?? "Face detection is off.");
        using var rgb = Engine.Inversion.ImageUpload.DecodeRgb255(r.Photo);
        var face = a.Aligner.AlignOne(rgb, size, engine.Pack.Framing, k, out var found)
            ?? throw new ArgumentException(found.Count == 0 ? "No face was found in this photo." : $"There is no face {k + 1} in this photo.");
        return face.Image;                                                            // the caller disposes it
    }

    public async IAsyncEnumerable<CompareResult> CompareAsync(CompareRequest r, [EnumeratorCancellation] CancellationToken ct = default)
    {
        try
        {
            r = r with { Target = Inputs.Text(r.Target, "target prompt"), Neutral = Inputs.Text(r.Neutral, "neutral prompt") };
            if (r.Steps is < 1 or > 1000) throw new ArgumentException("Steps must be between 1 and 1000.");
            Inputs.Seed(r.Seed);
            Inputs.Number(r.Alpha, -Inputs.MaxAlpha, Inputs.MaxAlpha, "α");
            Inputs.Number(r.Strength, -Inputs.MaxStrength, Inputs.MaxStrength, "Strength");
        }
        catch (ArgumentException e) when (engineSession.Refused("compare", e)) { throw; }
        var (engine, _) = await host.Ready.WaitAsync(ct);
        var a = await host.Edits.WaitAsync(ct);
        if (a.Space is null) throw new InvalidOperationException(a.Unavailable ?? "The compare view needs a text–image space.");
        IEnumerable<CompareResult?> Cells(CancellationToken token)
        {
            var assets = new CompareAssets(engine.Generator, a.Space, a.Identity, a.Stats, a.Fs3, a.AllMappers(), a.Sliders.All(), a.Templates);
            using var start = engine.SeedWPlus(r.Seed, 0.7);
            foreach (var c in Compare.Steps(assets, start, r.Neutral, r.Target.Trim(), new CompareRunOptions(GlobalAlpha: r.Alpha, OptimisationSteps: r.Steps,
                SliderAlpha: r.Alpha, MapperStrength: r.Strength, Only: r.Only), token))
            {
                if (c is null) { yield return null; continue; }       // one optimisation step: let other clients in
                using var img = c.Image;
                yield return new CompareResult(c.Method, c.Detail, ImageTensors.ToPng(img), c.TextScore, c.Identity, c.PixelDistance, c.Milliseconds);
            }
        }
        await foreach (var c in Stream("compare", Cells, ct)) yield return c;
    }

    public Task<byte[]> ExportCompareAsync(IReadOnlyList<CompareResult> cells, CancellationToken ct = default)
    {
        if (cells.Count == 0) throw new ArgumentException("Nothing to export yet.");
        var captions = cells.Select(c => (IReadOnlyList<string>)[c.Method, c.Detail,
            $"text {c.TextScore.ToString("0.000", Inv)} · px {c.PixelDistance.ToString("0.000", Inv)}" + (c.Identity is { } id ? $" · id {id.ToString("0.000", Inv)}" : "")]).ToList();
        return Task.Run(() => CaptionedGrid.Png(cells.Select(c => c.Png).ToList(), captions, Math.Min(cells.Count, 6)), ct);
    }

    IAsyncEnumerable<T> Stream<T>(string kind, Func<CancellationToken, IEnumerable<T?>> make, CancellationToken ct) where T : class =>
        engineSession.StreamAsync("create", kind, make, ct);
}
