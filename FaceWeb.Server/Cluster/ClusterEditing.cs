using FaceWeb.Components.Services;

namespace FaceWeb.Server.Cluster;

/// <summary>What a web front-end answers itself for the pages' training jobs: no (<see cref="TrainingPolicy"/>: every
/// engine silo must run the same pack), before any work starts.</summary>
static class Refused
{
#pragma warning disable CS1998, CS0162 // an iterator that only throws: the page's await foreach gets the message
    public static async IAsyncEnumerable<T> Stream<T>(TrainingPolicy training)
    {
        throw new InvalidOperationException(training.Unavailable ?? "Training from the app is off on this server.");
        yield break;
    }
#pragma warning restore CS1998, CS0162
}

/// <summary>A web front-end's Edit page on the engine pool: every frame, the optimisation and the capabilities come from
/// the circuit's engine grain with the circuit's session sent along; training is refused while scaled out.</summary>
public sealed class ClusterEditService(ClusterCalls calls, SessionLatentStore session, TrainingPolicy training) : IEditService
{
    public async Task<EditCapabilities> GetCapabilitiesAsync(CancellationToken ct = default) =>
        await calls.Call((g, t) => g.EditCapabilities(t), ct) with { CanPrecompute = false };

    public Task<EditFrame> GlobalAsync(GlobalEditRequest request, CancellationToken ct = default) =>
        calls.Call((g, t) => g.Global(request, session.View(request.Latent), t), ct);

    public Task<EditFrame> MapperAsync(MapperEditRequest request, CancellationToken ct = default) =>
        calls.Call((g, t) => g.Mapper(request, session.View(request.Latent), t), ct);

    public Task<EditFrame> PrincipalAsync(PrincipalEditRequest request, CancellationToken ct = default) =>
        calls.Call((g, t) => g.Principal(request, session.View(request.Latent), t), ct);

    public Task<EditFrame> RenderStartAsync(long seed, string? latent, CancellationToken ct = default) =>
        calls.Call((g, t) => g.RenderStart(seed, latent, session.View(latent), t), ct);

    public IAsyncEnumerable<EditFrame> OptimizeAsync(OptimizeRequest request, CancellationToken ct = default) =>
        calls.Stream((g, t) => g.Optimize(request, session.View(request.Latent), t), ct);

    public IAsyncEnumerable<JobProgress> TrainMapperAsync(TrainMapperRequest request, CancellationToken ct = default) => Refused.Stream<JobProgress>(training);

    public IAsyncEnumerable<JobProgress> PrecomputeGlobalAsync(CancellationToken ct = default) => Refused.Stream<JobProgress>(training);
}

/// <summary>A web front-end's sliders on the engine pool: the catalog and the frames from the circuit's engine grain.
/// The catalog does not change while scaled out (learning is refused), so there is nothing to subscribe to.</summary>
public sealed class ClusterSliderService(ClusterCalls calls, SessionLatentStore session, TrainingPolicy training) : ISliderService
{
    public Task<SliderCatalog> GetCatalogAsync(CancellationToken ct = default) => calls.Call((g, t) => g.Catalog(t), ct);

    public IDisposable Subscribe(Action<SliderCatalog> changed) => new Disposer(() => { });

    public Task<EditFrame> RenderAsync(SliderRequest request, CancellationToken ct = default) =>
        calls.Call((g, t) => g.Slider(request, session.View(request.Latent), t), ct);

    public IAsyncEnumerable<LearnProgress> LearnAsync(LearnSliderRequest request, CancellationToken ct = default) => Refused.Stream<LearnProgress>(training);
}

/// <summary>A web front-end's Create and Compare on the engine pool, the session sent along; a result the silo kept (a
/// face Create made) is adopted into this circuit's session under the same id, so "Edit this face" and posting to a
/// room find it. The export is drawn here (no engine).</summary>
public sealed class ClusterCreateService(ClusterCalls calls, SessionLatentStore session) : ICreateService
{
    public Task<CreateCapabilities> GetCapabilitiesAsync(CancellationToken ct = default) => calls.Call((g, t) => g.CreateCapabilities(t), ct);

    public IAsyncEnumerable<CreateFrame> TextToFaceAsync(TextToFaceRequest request, CancellationToken ct = default) =>
        Adopted(calls.Stream((g, t) => g.TextToFace(request, session.View(null), t), ct));

    public IAsyncEnumerable<CreateFrame> SketchToFaceAsync(SketchToFaceRequest request, CancellationToken ct = default) =>
        Adopted(calls.Stream((g, t) => g.SketchToFace(request, session.View(null), t), ct));

    public Task<float[]> SketchOfAsync(byte[] png, CancellationToken ct = default) => calls.Call((g, t) => g.SketchOf(png, t), ct);

    public Task<PhotoFaces> FindFacesAsync(byte[] photo, CancellationToken ct = default) => calls.Call((g, t) => g.FindFaces(photo, t), ct);

    public IAsyncEnumerable<CreateFrame> InvertAsync(InvertRequest request, CancellationToken ct = default) =>
        Adopted(calls.Stream((g, t) => g.Invert(request, session.View(null), t), ct));

    public IAsyncEnumerable<CompareResult> CompareAsync(CompareRequest request, CancellationToken ct = default) =>
        calls.Stream((g, t) => g.Compare(request, session.View(null), t), ct);

    public Task<byte[]> ExportCompareAsync(IReadOnlyList<CompareResult> cells, CancellationToken ct = default) => CreateService.Export(cells, ct);

    async IAsyncEnumerable<CreateFrame> Adopted(IAsyncEnumerable<CreatedFrame> frames)
    {
        await foreach (var f in frames)
        {
            if (f.Kept is { } kept) session.Adopt(kept, f.Frame.Png);
            yield return f.Frame;
        }
    }
}
