using FaceWeb.Components.Services;
using FaceWeb.Engine;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators;
using FaceWeb.Engine.Jobs;
using static TorchSharp.torch;

namespace FaceWeb.Server;

/// <summary>The loaded pack as the app serves it: the engine's <see cref="PackEditor"/> (every method, on the engine
/// thread), the slider catalog every circuit shares, the overlay where the app's own additions go, and the rule that
/// some jobs run once at a time across all users.</summary>
public sealed class LoadedPack(PackEditor editor, SliderRegistry sliders, PackOverlay? overlay, string? unavailable = null, int frameBatch = 8)
{
    readonly HashSet<string> jobs = [];

    public PackEditor Editor { get; } = editor;
    public FaceEngine Engine => Editor.Engine;
    public SliderRegistry Sliders { get; } = sliders;
    /// <summary>Where jobs save what they make (null for the placeholder): the pack's overlay in the data folder, never the pack.</summary>
    public PackOverlay? Overlay { get; } = overlay;
    /// <summary>Why text edits are off, when they are.</summary>
    public string? Unavailable { get; } = unavailable ?? editor.SpaceMissing;

    /// <summary>Edit's and the sliders' one-pass frames, batched across clients by the scheduler: each client's start and
    /// request, one <see cref="PackEditor.ApplyAll"/> for all; a client whose own input fails gets its own error.</summary>
    public BatchKind<EditJob, RenderedFrame> EditFrames { get; } = new(Math.Max(1, frameBatch), (jobs, _) => RunEdits(editor, jobs, null));

    /// <summary>Their progressive previews (packs of <see cref="PackSummary.PreviewFrom"/> px and more), batched the same
    /// way; a preview cannot be posted to a room (no draft).</summary>
    public BatchKind<EditJob, RenderedFrame> EditPreviews { get; } = new(Math.Max(1, frameBatch), (jobs, _) => RunEdits(editor, jobs, editor.Engine.PreviewResolution));

    /// <summary>Previews when asked for and the pack is large enough, else the frames.</summary>
    public BatchKind<EditJob, RenderedFrame> Frames(bool preview) => preview && Engine.Pack.Resolution >= PackSummary.PreviewFrom ? EditPreviews : EditFrames;

    static IReadOnlyList<BatchResult<RenderedFrame>> RunEdits(PackEditor editor, IReadOnlyList<EditJob> jobs, int? preview)
    {
        var outcomes = new BatchResult<RenderedFrame>[jobs.Count];
        RenderedFrame Frame(EditResult result, EditJob job, Tensor start, int batch)
        {
            var finish = job.Format(result, start);
            return new(ImageTensors.ToRgbImage(result.Image), preview is int block ? png => finish(png) with { PreviewBlock = block, Draft = null } : finish, batch);
        }
        var ready = new List<(int Job, Tensor Start)>();
        try
        {
            for (int i = 0; i < jobs.Count; i++)
            {
                try { ready.Add((i, jobs[i].Start())); }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException) { outcomes[i] = BatchResult<RenderedFrame>.Failed(e); }
            }
            if (ready.Count > 0) try
            {
                var results = editor.ApplyAll(ready.Select(r => (r.Start, jobs[r.Job].Request)).ToList(), preview);
                for (int k = 0; k < ready.Count; k++)
                    using (results[k]) outcomes[ready[k].Job] = BatchResult<RenderedFrame>.Ok(Frame(results[k], jobs[ready[k].Job], ready[k].Start, ready.Count));
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // One request the editor refuses: each alone, so only its own client hears of it (and a client whose
                // start already failed keeps its own error).
                if (ready.Count == 1) outcomes[ready[0].Job] = BatchResult<RenderedFrame>.Failed(e);
                else foreach (var (job, start) in ready)
                {
                    try { using var result = editor.ApplyAll([(start, jobs[job].Request)], preview)[0]; outcomes[job] = BatchResult<RenderedFrame>.Ok(Frame(result, jobs[job], start, 1)); }
                    catch (Exception one) when (one is ArgumentException or InvalidOperationException) { outcomes[job] = BatchResult<RenderedFrame>.Failed(one); }
                }
            }
        }
        finally { foreach (var (_, start) in ready) start.Dispose(); }
        return outcomes;
    }

    /// <summary>One job of a kind at a time across all users (e.g. one precompute, one mapper per text).</summary>
    public IDisposable BeginJob(string key, string busy)
    {
        lock (jobs) if (!jobs.Add(key)) throw new InvalidOperationException(busy);
        return new Disposer(() => { lock (jobs) jobs.Remove(key); });
    }

    /// <summary>Engine thread: opens the pack's editor with the app's options; its problems are logged.</summary>
    public static LoadedPack Load(FaceEngine engine, string? packDir, PackOverlay? overlay, EngineOptions o, ILogger log)
    {
        var editor = PackEditor.Open(engine, packDir, overlay?.Roles(),
            new EditorOptions(o.Clip, o.ClipVocab, o.Identity, o.Templates, Faces: true));
        foreach (var p in editor.Problems) log.LogWarning("{Problem}", p);
        var learn = editor.Space is null ? "Learning a slider needs a text–image space (see above)."
            : o.Training == TrainingMode.Off ? "Learning sliders is turned off on this server (FaceWeb:Training)." : null;
        return new LoadedPack(editor, new SliderRegistry(editor, overlay, learn, log), overlay, frameBatch: o.FrameBatch);
    }

    /// <summary>Only the generator: what runs when the pack's extras cannot be read.</summary>
    public static LoadedPack Bare(FaceEngine engine, string why, ILogger log)
    {
        var editor = PackEditor.Bare(engine, why);
        return new LoadedPack(editor, new SliderRegistry(editor, null, why, log), null, why);
    }
}

/// <summary>One client's one-pass edit, as a batch takes it (engine thread): how to get its start W+ [1,L,D], what to
/// apply, and what the client's frame is made of besides its PNG (from the result and the start, on the engine thread).</summary>
public sealed record EditJob(Func<Tensor> Start, EditRequest Request, Func<EditResult, Tensor, Func<byte[], EditFrame>> Format);

/// <summary>A frame as the engine hands it over: its pixels, the rest of it, and how many clients' frames its batch made.
/// <see cref="Encode"/> makes the PNG and the frame, on the caller's thread (not the engine's).</summary>
public sealed record RenderedFrame(RgbImage Image, Func<byte[], EditFrame> Finish, int Batch)
{
    public EditFrame Encode() => Finish(Image.Png());
}
