using FaceWeb.Components.Services;
using FaceWeb.Components.Shared;

namespace FaceWeb.Components.Create;

public partial class CreatePage
{
    /// <summary>The tabs, in the order the page shows them.</summary>
    internal enum CreateTab { Text, Sketch, Photo }
    const int MaxPhotoBytes = 10 * 1024 * 1024;
    const string NoFace = "No face was found in this photo. Try one where the face is large, lit and facing the camera.";
    byte[]? photo;
    string? photoName;
    PhotoFaces? faces;
    int face;
    CreateCapabilities? caps;
    string caption = "", method = "attributes";   // #18: measured best default text → face method (ADR 0014)
    bool showMasks;
    int tab, count = 3;
    // Steps per tab: text → face by attributes is measured best in one pass (ADR 0014: 100 steps of CLIP guidance
    // undo what was read); the other text methods, sketch refinement and photo projection start at 100.
    readonly int[] stepsByTab = [0, 100, 100];
    int Steps { get => stepsByTab[tab]; set => stepsByTab[tab] = value; }

    void MethodChanged() => stepsByTab[(int)CreateTab.Text] = method == "attributes" ? 0 : 100;
    long seed;
    bool running, restFromSeed;
    double progress;
    string? error;
    SketchCanvas? sketch;
    readonly Dictionary<int, CreateFrame> slots = [];
    CancellationTokenSource? job;
    readonly CancellationTokenSource lifetime = new();

    protected override async Task OnInitializedAsync()
    {
        caps = await Create.GetCapabilitiesAsync(lifetime.Token);
        if (!caps.Text) tab = (int)CreateTab.Sketch;
        if (!caps.Attributes) { method = "optimise"; MethodChanged(); }   // a pack without the sliders it reads
    }

    Task RandomiseRest()
    {
        seed = Random.Shared.NextInt64(0, 1L << 31);
        restFromSeed = true;
        return Generate();
    }

    /// <summary>Puts a result's sketch on the canvas (replacing the drawing) and opens the sketch tab, to edit its lines.</summary>
    async Task SketchThis(CreateFrame f)
    {
        try
        {
            var grey = await Create.SketchOfAsync(f.Png, lifetime.Token);
            tab = (int)CreateTab.Sketch;
            if (sketch is not null) await sketch.Load(grey, caps!.Resolution);
            error = null;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { error = e.Message; }
        catch (OperationCanceledException) { }
    }

    async Task Generate()
    {
        IAsyncEnumerable<CreateFrame> frames;
        if ((CreateTab)tab == CreateTab.Photo)
        {
            if (photo is null) { error = "Choose a photo first."; return; }
            if (faces is { DetectionOff: null, Faces.Count: 0 }) { error = NoFace; return; }
            frames = Create.InvertAsync(new InvertRequest(photo, Steps, faces is { DetectionOff: null } ? face : null), Token());
        }
        else if ((CreateTab)tab == CreateTab.Sketch)
        {
            if (sketch is null || sketch.IsEmpty) { error = "Draw a sketch first."; return; }
            frames = Create.SketchToFaceAsync(new SketchToFaceRequest(sketch.Export(caps!.Resolution), caps.Resolution,
                caps.Text && caption.Trim() != "" ? caption.Trim() : null, Steps, seed, restFromSeed), Token());
        }
        else
        {
            if (caption.Trim() == "") { error = "Type a caption first."; return; }
            if (seed > Inputs.MaxSeed - count + 1) seed = Inputs.MaxSeed - count + 1;
            frames = Create.TextToFaceAsync(new TextToFaceRequest(caption.Trim(), method, count, Steps, seed), Token());
        }
        (running, progress, error) = (true, 0, null);
        slots.Clear();
        try
        {
            await foreach (var f in frames)
            {
                slots[f.Slot] = f;
                progress = f.Progress;
                await InvokeAsync(StateHasChanged);
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { error = e.Message; }
        finally { running = false; }
    }

    async Task OnPhoto(Microsoft.AspNetCore.Components.Forms.InputFileChangeEventArgs e)
    {
        (photo, photoName, error, faces, face) = (null, null, null, null, 0);
        if (e.File.Size == 0) { error = "The file is empty (0 bytes)."; return; }
        if (e.File.Size > MaxPhotoBytes) { error = $"The file is {e.File.Size / 1048576.0:0.0} MB; at most 10 MB is accepted."; return; }
        try
        {
            using var ms = new MemoryStream();
            await e.File.OpenReadStream(MaxPhotoBytes, lifetime.Token).CopyToAsync(ms, lifetime.Token);
            (photo, photoName) = (ms.ToArray(), $"{e.File.Name} ({e.File.Size / 1024.0:0} kB)");   // the name is only shown, never used on disk
            faces = await Create.FindFacesAsync(photo, lifetime.Token);
            if (faces is { DetectionOff: null, Faces.Count: 0 }) error = NoFace;
        }
        catch (IOException ex) { error = $"The file could not be read: {ex.Message}"; }
        catch (ArgumentException ex) { (photo, error) = (null, ex.Message); }
        catch (InvalidOperationException ex) { error = ex.Message; }        // e.g. the engine is busy: the photo is kept, try Generate again
        catch (OperationCanceledException) { }
    }

    CancellationToken Token()
    {
        job?.Cancel();
        job = CancellationTokenSource.CreateLinkedTokenSource(lifetime.Token);
        return job.Token;
    }

    void Cancel() => job?.Cancel();

    public void Dispose()
    {
        lifetime.Cancel();
        lifetime.Dispose();
    }
}
