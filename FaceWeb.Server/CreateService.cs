using System.Globalization;
using System.Runtime.CompilerServices;
using FaceWeb.Components.Services;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Evaluation;
using FaceWeb.Engine.Generators;
using FaceWeb.Server.Rooms;
using static TorchSharp.torch;

namespace FaceWeb.Server;

/// <summary>One per circuit: text → face, sketch → face and the compare view, each streamed in scheduler turns.</summary>
public sealed class CreateService(EngineSession engineSession, SessionLatentStore session) : ICreateService
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    /// <summary>The last upload's aligned faces, so that reconstructing one does not detect and align it again.</summary>
    (byte[] Photo, IReadOnlyList<byte[]> Faces)? aligned;

    public async Task<CreateCapabilities> GetCapabilitiesAsync(CancellationToken ct = default)
    {
        var a = await engineSession.PackAsync(ct);
        return new CreateCapabilities(a.Engine.Generator.Config.Size, a.Editor.Space is not null, a.Editor.HasPrior, a.Unavailable, a.Editor.HasSsaGan,
            a.Editor.SketchEncoder is not null, a.Editor.HasAttributeSliders);
    }

    public async IAsyncEnumerable<CreateFrame> TextToFaceAsync(TextToFaceRequest r, [EnumeratorCancellation] CancellationToken ct = default)
    {
        TextToFaceMethod method;
        try
        {
            r = r with { Caption = Inputs.Text(r.Caption, "caption") };
            if (r.Count is < 1 or > 6) throw new ArgumentException("Between 1 and 6 faces.");
            if (r.Steps is < 0 or > 1000) throw new ArgumentException("Steps must be between 0 and 1000.");
            Inputs.Seed(r.Seed, r.Count);
            method = TextToFaceMethods.Parse(r.Method);
        }
        catch (ArgumentException e) when (engineSession.Refused("text → face", e)) { throw; }
        var a = await engineSession.PackAsync(ct);
        if (a.Editor.Space is null) throw new InvalidOperationException(a.Unavailable ?? "Text → face needs a text–image space.");
        if (method == TextToFaceMethod.Prior && !a.Editor.HasPrior) throw new InvalidOperationException("This pack has no text → W prior (faceweb train prior).");
        if (method == TextToFaceMethod.SsaGan && !a.Editor.HasSsaGan) throw new InvalidOperationException("This pack has no SSA-GAN (faceweb train ssagan).");
        if (method == TextToFaceMethod.Attributes && !a.Editor.HasAttributeSliders) throw new InvalidOperationException("This pack has no male, age or smiling slider (faceweb precompute boundaries).");
        double psi = session.Truncation;
        for (int slot = 0; slot < r.Count; slot++)
        {
            long seed = r.Seed + slot;
            int i = slot;
            IEnumerable<CreateFrame> Frames(CancellationToken token)
            {
                foreach (var f in a.Editor.TextToFace(r.Caption, seed, method, r.Steps, psi, starts: 8, frames: 10, ct: token))
                {
                    if (f is null) continue;
                    using (f)
                    {
                        var png = ImageTensors.ToPng(f.Image);
                        bool start = f.Method == EditMethod.Source;
                        int step = (int)Math.Round(f.Progress * r.Steps);
                        string? id = f.Progress >= 1 && f.Latent is not null
                            ? session.Add(f.Latent, $"\"{r.Caption}\" ({(start ? method.Verb() + ", " : "")}seed {seed})", png) : null;
                        yield return new CreateFrame(i, png, start ? $"seed {seed}: {f.Detail}"
                            : $"seed {seed}: step {step}/{r.Steps}, text loss {f.Loss.ToString("0.000", Inv)}", Progress(i, f.Progress, r), id,
                            f.Mask is null ? null : ImageTensors.MaskOverlayPng(f.Image, f.Mask));
                    }
                }
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
            using (var drawing = tensor(r.Sketch, [1, 1, r.Size, r.Size])) FaceSketch.Check(drawing);   // empty, a dot, mostly ink: said before the engine is asked
            if (r.Steps is < 0 or > 1000) throw new ArgumentException("Steps must be between 0 and 1000.");
            Inputs.Seed(r.Seed);
            r = r with { Caption = Inputs.OptionalText(r.Caption, "caption") };
        }
        catch (ArgumentException e) when (engineSession.Refused("sketch → face", e)) { throw; }
        var a = await engineSession.PackAsync(ct);
        bool captioned = r.Caption is not null;
        if (captioned && a.Editor.Space is null) throw new InvalidOperationException(a.Unavailable ?? "A caption needs a text–image space.");
        if (r.Steps == 0 && a.Editor.SketchEncoder is null) throw new ArgumentException("This pack has no sketch encoder: give at least one step.");
        long? restSeed = r.RestFromSeed || a.Editor.SketchEncoder is null ? r.Seed : null;
        string from = restSeed is { } s ? $"seed {s}" : "sketch encoder";
        IEnumerable<CreateFrame> Frames(CancellationToken token)
        {
            using var drawing = tensor(r.Sketch, [1, 1, r.Size, r.Size]);
            foreach (var f in a.Editor.SketchToFace(drawing, r.Caption, restSeed, r.Steps, session.Truncation, frames: 10, ct: token))
            {
                if (f is null) continue;
                using (f)
                {
                    var png = ImageTensors.ToPng(f.Image);
                    string? id = f.Progress >= 1 && f.Latent is not null ? session.Add(f.Latent, captioned ? $"sketch + \"{r.Caption!.Trim()}\"" : "sketch", png) : null;
                    yield return new CreateFrame(0, png, $"{from}: {f.Detail}", f.Progress, id);
                }
            }
        }
        await foreach (var f in Stream("sketch → face", Frames, ct)) yield return f;
    }

    public async Task<float[]> SketchOfAsync(byte[] png, CancellationToken ct = default)
    {
        var a = await engineSession.PackAsync(ct);
        int size = a.Engine.Generator.Config.Size;
        try
        {
            Engine.Inversion.ImageUpload.CheckFile(png);
            using var face = Engine.Inversion.ImageUpload.Decode(png, size);
            using var sketch = a.Editor.SketchOf(face);                                         // a 64 px face: microseconds, off the engine thread
            using var flat = sketch.flatten();
            return flat.data<float>().ToArray();
        }
        catch (ArgumentException e) when (engineSession.Refused("sketch this face", e)) { throw; }
    }

    public async Task<PhotoFaces> FindFacesAsync(byte[] photo, CancellationToken ct = default)
    {
        try
        {
            Engine.Inversion.ImageUpload.CheckFile(photo);
            var a = await engineSession.PackAsync(ct);
            if (a.Editor.Aligner is not { } aligner) return new PhotoFaces([], a.Editor.AlignerOff);
            var found = await engineSession.RunAsync("faces", _ =>
            {
                var faces = aligner.AlignUpload(photo, a.Engine.Generator.Config.Size, a.Engine.Pack.Framing);   // ArgumentException with the reason
                try { return new PhotoFaces(faces.Select(f => ImageTensors.ToPng(f.Image)).ToList()); }
                finally { foreach (var f in faces) f.Dispose(); }
            }, ct);
            aligned = (photo, found.Faces);
            return found;
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
        var a = await engineSession.PackAsync(ct);
        var g = a.Engine.Generator;
        IEnumerable<CreateFrame> Frames(CancellationToken token)
        {
            var target = Target(r, a);                                                    // ArgumentException with the reason
            var start = a.Editor.Encoder?.Invert(target) ?? TediGan.MeanStart(g);
            try
            {
                yield return new CreateFrame(0, ImageTensors.ToPng(target), r.Face is null ? $"your photo as the generator sees it ({g.Config.Size} px)"
                    : $"face {r.Face + 1}, aligned to the pack's framing ({g.Config.Size} px)", 0);
                var options = new Engine.Inversion.ProjectionOptions(r.Steps, FrameEvery: Math.Max(1, r.Steps / 10));
                foreach (var f in Engine.Inversion.Projector.Run(g, target, start, options, a.Editor.Identity, a.Editor.Space, token))
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

    /// <summary>The chosen face as <see cref="FindFacesAsync"/> aligned it (kept for this photo; found again only for
    /// another photo), or the centre square without a choice.</summary>
    Tensor Target(InvertRequest r, LoadedPack a)
    {
        int size = a.Engine.Generator.Config.Size;
        if (r.Face is not int k) return Engine.Inversion.ImageUpload.Decode(r.Photo, size);
        if (aligned is { } known && known.Photo.AsSpan().SequenceEqual(r.Photo))
            return k >= 0 && k < known.Faces.Count ? Engine.Inversion.ImageUpload.Decode(known.Faces[k], size)
                : throw new ArgumentException(known.Faces.Count == 0 ? "No face was found in this photo." : $"There is no face {k + 1} in this photo.");
        if (a.Editor.Aligner is not { } aligner) throw new ArgumentException(a.Editor.AlignerOff ?? "Face detection is off.");
        using var rgb = Engine.Inversion.ImageUpload.DecodeRgb255(r.Photo);
        var face = aligner.AlignOne(rgb, size, a.Engine.Pack.Framing, k, out var found)
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
            if (r.Alpha is { } alpha) Inputs.Number(alpha, -Inputs.MaxAlpha, Inputs.MaxAlpha, "α");
            Inputs.Number(r.Strength, -Inputs.MaxStrength, Inputs.MaxStrength, "Strength");
        }
        catch (ArgumentException e) when (engineSession.Refused("compare", e)) { throw; }
        if (r.Mode == "text2face")
        {
            await foreach (var c in CompareTextToFace(r, ct)) yield return c;
            yield break;
        }
        if (r.Mode != "edits") throw new ArgumentException($"Unknown compare mode '{r.Mode}' (edits or text2face).");
        EditMethod? only;
        try { only = r.Only is null ? null : EditMethods.Parse(r.Only); }
        catch (ArgumentException e) when (engineSession.Refused("compare", e)) { throw; }
        var a = await engineSession.PackAsync(ct);
        if (a.Editor.Space is null) throw new InvalidOperationException(a.Unavailable ?? "The compare view needs a text–image space.");
        double psi = session.Truncation;
        IEnumerable<CompareResult?> Cells(CancellationToken token)
        {
            using var start = a.Editor.SeedStart(r.Seed, psi);
            var (from, _) = session.Provenance(r.Seed, null);
            var defaults = new CompareRunOptions();
            var options = new CompareRunOptions(GlobalAlpha: r.Alpha ?? defaults.GlobalAlpha, OptimisationSteps: r.Steps, SliderAlpha: r.Alpha ?? defaults.SliderAlpha,
                MapperStrength: r.Strength, PrincipalAlpha: r.Alpha ?? defaults.PrincipalAlpha, Only: only);
            foreach (var c in Compare.Steps(a.Editor, start, r.Neutral, r.Target.Trim(), options, token))
            {
                if (c is null) { yield return null; continue; }       // one optimisation step: let other clients in
                using var result = c.AsResult();
                yield return new CompareResult(c.Method.Title(), c.Detail, ImageTensors.ToPng(c.Image), c.TextScore, c.Identity, c.PixelDistance, c.Milliseconds,
                    c.Method.Verb(), c.Method.Knob(), NodeDrafts.Of("compare", c.Request, result, start, from, null), KnobValue: KnobValue(c.Request));
            }
        }
        await foreach (var c in Stream("compare", Cells, ct)) yield return c;
    }

    /// <summary>The number a compare cell's knob (α, strength or steps) was at.</summary>
    static double? KnobValue(EditRequest? request) => request switch
    {
        GlobalDirectionEdit g => g.Alpha,
        SliderEdit { Moves: [var move] } => move.Alpha,
        PrincipalEdit p => p.Alpha,
        MapperEdit m => m.Strength,
        OptimiseEdit o => o.Steps,
        _ => null,
    };

    /// <summary>Compare's text → face mode: each text → face method's face for the caption, its text score and time.</summary>
    async IAsyncEnumerable<CompareResult> CompareTextToFace(CompareRequest r, [EnumeratorCancellation] CancellationToken ct)
    {
        var a = await engineSession.PackAsync(ct);
        if (a.Editor.Space is null) throw new InvalidOperationException(a.Unavailable ?? "The compare view needs a text–image space.");
        double psi = session.Truncation;
        IEnumerable<CompareResult?> Cells(CancellationToken token)
        {
            foreach (var c in Compare.TextToFace(a.Editor, r.Target.Trim(), r.Seed, r.Steps, psi, token))
            {
                if (c is null) { yield return null; continue; }
                using var image = c.Image;
                using var mask = c.Mask;
                string title = c.Method switch
                {
                    TextToFaceMethod.SsaGan => "SSA-GAN", TextToFaceMethod.Prior => "text → W prior", TextToFaceMethod.Attributes => "attribute sliders from the caption",
                    _ => "TediGAN-style optimisation",
                };
                yield return new CompareResult(title, c.Detail, ImageTensors.ToPng(image), c.TextScore, null, double.NaN, c.Milliseconds, c.Method.Verb(),
                    MaskPng: mask is null ? null : ImageTensors.MaskOverlayPng(image, mask));
            }
        }
        await foreach (var c in Stream("compare", Cells, ct)) yield return c;
    }

    public Task<byte[]> ExportCompareAsync(IReadOnlyList<CompareResult> cells, CancellationToken ct = default) => Export(cells, ct);

    /// <summary>Compare's cells as one captioned PNG (no engine: a web front-end draws it too).</summary>
    internal static Task<byte[]> Export(IReadOnlyList<CompareResult> cells, CancellationToken ct)
    {
        if (cells.Count == 0) throw new ArgumentException("Nothing to export yet.");
        var captions = cells.Select(c => (IReadOnlyList<string>)[c.Method, c.Detail, Compare.Scores(c.TextScore, c.PixelDistance, c.Identity)]).ToList();
        return Task.Run(() => CaptionedGrid.Png(cells.Select(c => c.Png).ToList(), captions, Math.Min(cells.Count, 6)), ct);
    }

    IAsyncEnumerable<T> Stream<T>(string kind, Func<CancellationToken, IEnumerable<T?>> make, CancellationToken ct) where T : class =>
        engineSession.StreamAsync("create", kind, make, ct);
}
