using System.Runtime.CompilerServices;
using FaceWeb.Components.Services;

namespace FaceWeb.Server.Cluster;

/// <summary>A web front-end's Edit service: the one-pass frames (global direction, mapper, principal direction, the
/// start) and the optimisation run on the engine pool with the circuit's session sent along; what is not on the pool
/// (capabilities; training, which is refused while scaled out) runs on the front-end's own engine.</summary>
public sealed class ClusterEditService(EditService local, ClusterCalls calls, SessionLatentStore session) : IEditService
{
    public Task<EditCapabilities> GetCapabilitiesAsync(CancellationToken ct = default) => local.GetCapabilitiesAsync(ct);

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

    public IAsyncEnumerable<JobProgress> TrainMapperAsync(TrainMapperRequest request, CancellationToken ct = default) => local.TrainMapperAsync(request, ct);

    public IAsyncEnumerable<JobProgress> PrecomputeGlobalAsync(CancellationToken ct = default) => local.PrecomputeGlobalAsync(ct);
}

/// <summary>A web front-end's sliders: frames on the engine pool, the catalog from the front-end's copy of the pack
/// (the same pack, by hash), learning refused while the app is scaled out (<see cref="TrainingPolicy"/>).</summary>
public sealed class ClusterSliderService(SliderService local, ClusterCalls calls, SessionLatentStore session) : ISliderService
{
    public Task<SliderCatalog> GetCatalogAsync(CancellationToken ct = default) => local.GetCatalogAsync(ct);

    public IDisposable Subscribe(Action<SliderCatalog> changed) => local.Subscribe(changed);

    public Task<EditFrame> RenderAsync(SliderRequest request, CancellationToken ct = default) =>
        calls.Call((g, t) => g.Slider(request, session.View(request.Latent), t), ct);

    public IAsyncEnumerable<LearnProgress> LearnAsync(LearnSliderRequest request, CancellationToken ct = default) => local.LearnAsync(request, ct);
}

/// <summary>A web front-end's Create and Compare: the engine work on the pool, the session sent along; a result the
/// silo kept (a face Create made) is adopted into this circuit's session under the same id, so "Edit this face" and
/// posting to a room find it. The export is drawn here (no engine).</summary>
public sealed class ClusterCreateService(CreateService local, ClusterCalls calls, SessionLatentStore session) : ICreateService
{
    public Task<CreateCapabilities> GetCapabilitiesAsync(CancellationToken ct = default) => local.GetCapabilitiesAsync(ct);

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

    public Task<byte[]> ExportCompareAsync(IReadOnlyList<CompareResult> cells, CancellationToken ct = default) => local.ExportCompareAsync(cells, ct);

    async IAsyncEnumerable<CreateFrame> Adopted(IAsyncEnumerable<CreatedFrame> frames)
    {
        await foreach (var f in frames)
        {
            if (f.Kept is { } kept) session.Adopt(kept, f.Frame.Png);
            yield return f.Frame;
        }
    }
}
