using FaceWeb.Components.Services;
using FaceWeb.Engine;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Jobs;
using Microsoft.Extensions.Options;

namespace FaceWeb.Server;

public sealed class EngineOptions
{
    public const string Section = "FaceWeb";
    /// <summary>Model pack folder. Default: the embedded pack (models/faceweb-mini beside the app).</summary>
    public string? Pack { get; set; }
    /// <summary>Use the untrained placeholder even if a pack exists (tests).</summary>
    public bool Placeholder { get; set; }
    /// <summary>Where the engine runs: auto (a GPU when this build and machine have one), cpu, cuda or cuda:N.</summary>
    public string Device { get; set; } = "auto";
    public int MaxWaitingClients { get; set; } = 64;
    /// <summary>The most clients' frames one batched forward renders (1: each frame alone).</summary>
    public int FrameBatch { get; set; } = 8;
    /// <summary>Writable data folder (learned sliders, mappers, precomputed directions). Default: data/ beside the app's content.</summary>
    public string? Data { get; set; }
    /// <summary>Cap on the disk the app's own pack additions may use.</summary>
    public double OverlayMegabytes { get; set; } = 200;
    /// <summary>Who may train and learn from the UI: Off, Limited (TrainingPerHour for the whole server) or Open.</summary>
    public TrainingMode Training { get; set; } = TrainingMode.Limited;
    public int TrainingPerHour { get; set; } = 4;
    /// <summary>How long a circuit's jobs wait, paused, for a browser whose connection dropped before they are cancelled.</summary>
    public double ReconnectGraceSeconds { get; set; } = 10;
    /// <summary>CLIP checkpoint and BPE vocabulary for text edits (optional).</summary>
    public string? Clip { get; set; }
    public string? ClipVocab { get; set; }
    /// <summary>ArcFace IR-SE50 checkpoint (model_ir_se50.pth) for the identity loss λ_ID (optional).</summary>
    public string? Identity { get; set; }
    /// <summary>Prompt templates for global directions: "faces" (default), "none", or a file with one {} template per line.</summary>
    public string? Templates { get; set; }
    /// <summary>Load no engine: a web front-end of a scaled-out deployment, whose engine work goes to the engine silos.</summary>
    public bool NoEngine { get; set; }
}

/// <summary>The one engine of the process: loads the model pack at start-up (outside any request) and owns the
/// scheduler every circuit's work goes through.</summary>
public sealed class EngineHost(IOptions<EngineOptions> options, IHostEnvironment env, ILogger<EngineHost> log) : IHostedService, IDisposable
{
    readonly TaskCompletionSource<(FaceEngine Engine, PackSummary Pack)> ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly TaskCompletionSource<LoadedPack> edits = new(TaskCreationOptions.RunContinuationsAsynchronously);
    string? loadedPack;
    public EngineScheduler Scheduler { get; } = new(options.Value.MaxWaitingClients);
    public Task<(FaceEngine Engine, PackSummary Pack)> Ready => ready.Task;
    /// <summary>Generate's frames, batched across clients by the scheduler (set before <see cref="Ready"/> completes).</summary>
    public BatchKind<(long Seed, double Truncation), SeedFrame> SeedFrames { get; private set; } = null!;
    /// <summary>Their progressive previews (packs of 256 px and more), batched the same way.</summary>
    public BatchKind<(long Seed, double Truncation), SeedFrame> SeedPreviews { get; private set; } = null!;
    /// <summary>The pack's editor (text–image space, StyleSpace statistics, fs3, mappers, sliders …); loaded after the generator.</summary>
    public Task<LoadedPack> Edits => edits.Task;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.NoEngine)
        {
            // Anything that still asked this process's engine would say so instead of waiting for ever.
            var none = new InvalidOperationException("This web front-end has no engine of its own; engine work goes to the engine servers.");
            ready.TrySetException(none);
            edits.TrySetException(none);
            _ = ready.Task.Exception; _ = edits.Task.Exception;                      // observed: not an unobserved-task warning
            log.LogInformation("No engine in this process: engine work goes to the engine silos");
            return Task.CompletedTask;
        }
        // Load on the engine thread so all torch work stays on one thread: the generator first (pages can start),
        // then what the edit methods need.
        _ = Scheduler.RunAsync("startup", _ => { Start(); return 0; }, CancellationToken.None);
        return Task.CompletedTask;
    }

    void Start()
    {
        FaceEngine engine;
        try
        {
            var loaded = Load();
            engine = loaded.Item1;
            SeedFrames = engine.SeedFrames(Math.Max(1, options.Value.FrameBatch));
            SeedPreviews = engine.SeedPreviews(Math.Max(1, options.Value.FrameBatch));
            ready.TrySetResult(loaded);
        }
        catch (Exception e)
        {
            ready.TrySetException(e);
            edits.TrySetException(e);
            return;
        }
        try
        {
            var overlay = loadedPack is null ? null : PackOverlay.For(loadedPack, DataDirectory, (long)(options.Value.OverlayMegabytes * 1_000_000));
            if (overlay is not null) log.LogInformation("Sliders, mappers and directions made in the app are kept in {Overlay}", overlay.Directory);
            edits.TrySetResult(LoadedPack.Load(engine, loadedPack, overlay, options.Value, log));
        }
        catch (Exception e) when (e is CheckpointException or ArgumentException)
        {
            log.LogError("Edit assets could not be loaded: {Message}", e.Message);
            edits.TrySetResult(LoadedPack.Bare(engine, $"Editing is unavailable: {e.Message}", log));
        }
        catch (Exception e) { edits.TrySetException(e); }
    }

    (FaceEngine, PackSummary) Load()
    {
        var o = options.Value;
        var (device, deviceWarning) = Device(o.Device);
        string? dir = PackDirectory;
        if (dir is not null)
        {
            try
            {
                var engine = FaceEngine.FromPack(dir, device);
                loadedPack = dir;
                log.LogInformation("Loaded model pack {Pack} from {Dir}", engine.Pack.Name, dir);
                return (engine, Summary(engine.Pack, deviceWarning));
            }
            catch (CheckpointException e)
            {
                log.LogError("Model pack {Dir} could not be loaded: {Message}", dir, e.Message);
                var fallback = FaceEngine.Placeholder(device);
                return (fallback, Summary(fallback.Pack, $"The model pack could not be loaded: {e.Message}"));
            }
        }
        var placeholder = FaceEngine.Placeholder(device);
        log.LogWarning("No model pack found; running the untrained placeholder generator");
        return (placeholder, Summary(placeholder.Pack, deviceWarning));
    }

    /// <summary>FaceWeb:Device, logged with the libtorch build. A device this build or machine cannot use is an error in
    /// the log and a warning on the page, and the engine runs on the CPU.</summary>
    (TorchSharp.torch.Device, string?) Device(string? spec)
    {
        DeviceChoice choice;
        string? warning = null;
        try { choice = EngineDevice.Resolve(spec); }
        catch (ArgumentException e)
        {
            log.LogError("FaceWeb:Device: {Message}; running on the CPU", e.Message);
            warning = $"The engine runs on the CPU: {e.Message}.";
            choice = new DeviceChoice(TorchSharp.torch.CPU, "FaceWeb:Device could not be used");
        }
        log.LogInformation("Engine {Device}", EngineDevice.Describe(choice));
        return (choice.Device, warning);
    }

    /// <summary>The writable data folder (FaceWeb:Data, default data/ under the content root), created on first use.</summary>
    public string DataDirectory => Path.GetFullPath(options.Value.Data ?? Path.Combine(env.ContentRootPath, "data"));

    /// <summary>The pack folder this engine loads (FaceWeb:Pack, else the embedded default pack), or null for the placeholder.</summary>
    public string? PackDirectory => PackDirectoryFor(options.Value, env.ContentRootPath);

    /// <summary>The same, before the host is built (an engine silo's metadata names its pack).</summary>
    public static string? PackDirectoryFor(EngineOptions o, string contentRoot) => o.Placeholder ? null : o.Pack ?? DefaultPack(contentRoot);

    /// <summary>The pack's identity across servers (<see cref="Cluster.PackIdentity"/>), read from its manifest without loading it.</summary>
    public string PackHash => packHash ??= Cluster.PackIdentity.Of(PackDirectory);
    string? packHash;

    static string? DefaultPack(string contentRoot)
    {
        foreach (var root in new[] { AppContext.BaseDirectory, contentRoot, Path.Combine(contentRoot, "..") })
        {
            string dir = Path.Combine(root, "models", "faceweb-mini");
            if (File.Exists(Path.Combine(dir, ModelPack.ManifestName))) return Path.GetFullPath(dir);
        }
        return null;
    }

    static PackSummary Summary(PackInfo p, string? warning) => new(p.Name, p.Trained, p.Resolution, p.Description, warning);

    /// <summary>SIGTERM: every pending and running turn is cancelled (jobs end at their next step) and the engine
    /// thread is joined before the engine is disposed.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        log.LogInformation("Stopping: {Waiting} clients waiting; cancelling their work", Scheduler.Waiting);
        Scheduler.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Scheduler.Dispose();
        if (edits.Task.IsCompletedSuccessfully) edits.Task.Result.Editor.Dispose();
        if (ready.Task.IsCompletedSuccessfully) ready.Task.Result.Engine.Dispose();
    }
}
