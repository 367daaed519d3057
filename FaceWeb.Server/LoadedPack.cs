using FaceWeb.Components.Services;
using FaceWeb.Engine;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Jobs;
using static TorchSharp.torch;

namespace FaceWeb.Server;

/// <summary>The loaded pack as the app serves it: the engine's <see cref="PackEditor"/> (every method, on the engine
/// thread), the slider catalog every circuit shares, the overlay where the app's own additions go, and the rule that
/// some jobs run once at a time across all users.</summary>
public sealed class LoadedPack(PackEditor editor, SliderRegistry sliders, PackOverlay? overlay, string? unavailable = null)
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
    public BatchKind<EditJob, EditFrame> EditFrames { get; } = new(8, (jobs, _) => RunEdits(editor, jobs));

    static IReadOnlyList<BatchResult<EditFrame>> RunEdits(PackEditor editor, IReadOnlyList<EditJob> jobs)
    {
        var outcomes = new BatchResult<EditFrame>[jobs.Count];
        var ready = new List<(int Job, Tensor Start)>();
        try
        {
            for (int i = 0; i < jobs.Count; i++)
            {
                try { ready.Add((i, jobs[i].Start())); }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException) { outcomes[i] = BatchResult<EditFrame>.Failed(e); }
            }
            try
            {
                var results = editor.ApplyAll(ready.Select(r => (r.Start, jobs[r.Job].Request)).ToList());
                for (int k = 0; k < ready.Count; k++)
                    using (results[k]) outcomes[ready[k].Job] = BatchResult<EditFrame>.Ok(jobs[ready[k].Job].Format(results[k], ready[k].Start));
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException && ready.Count > 1)
            {
                // One request the editor refuses: each alone, so only its own client hears of it.
                foreach (var (job, start) in ready)
                {
                    try { using var result = editor.Apply(start, jobs[job].Request); outcomes[job] = BatchResult<EditFrame>.Ok(jobs[job].Format(result, start)); }
                    catch (Exception one) when (one is ArgumentException or InvalidOperationException) { outcomes[job] = BatchResult<EditFrame>.Failed(one); }
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
        return new LoadedPack(editor, new SliderRegistry(editor, overlay, learn, log), overlay);
    }

    /// <summary>Only the generator: what runs when the pack's extras cannot be read.</summary>
    public static LoadedPack Bare(FaceEngine engine, string why, ILogger log)
    {
        var editor = PackEditor.Bare(engine, why);
        return new LoadedPack(editor, new SliderRegistry(editor, null, why, log), null, why);
    }
}

/// <summary>One client's one-pass edit, as a batch takes it (engine thread): how to get its start W+ [1,L,D], what to
/// apply, and how to turn the result (with the start) into the client's frame.</summary>
public sealed record EditJob(Func<Tensor> Start, EditRequest Request, Func<EditResult, Tensor, EditFrame> Format);
