using FaceWeb.Engine;
using FaceWeb.Engine.Editing;

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
