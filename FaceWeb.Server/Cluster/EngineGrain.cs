using FaceWeb.Components.Services;
using FaceWeb.Engine.Jobs;
using System.Runtime.CompilerServices;
using Orleans.Concurrency;

namespace FaceWeb.Server.Cluster;

/// <summary>What an engine silo needs of a web circuit's session for one call: ψ and the latent the call starts from.</summary>
[GenerateSerializer, Alias("faceweb.session-view")]
public sealed record SessionView([property: Id(0)] double Truncation, [property: Id(1)] MirroredLatent? Latent);

[GenerateSerializer, Alias("faceweb.mirrored-latent")]
public sealed record MirroredLatent([property: Id(0)] string Id, [property: Id(1)] float[] Data, [property: Id(2)] long[] Shape,
    [property: Id(3)] string Label, [property: Id(4)] long? Origin);

/// <summary>A Create frame from an engine silo, with the latent the silo kept for it (the web circuit's session adopts it).</summary>
[GenerateSerializer, Alias("faceweb.created-frame")]
public sealed record CreatedFrame([property: Id(0)] CreateFrame Frame, [property: Id(1)] MirroredLatent? Kept);

/// <summary>A web circuit's engine work on an engine silo. Keyed "{pack hash}/{circuit id}", so it is placed only on a
/// silo that has that pack loaded (<see cref="PackPlacementAttribute"/>) and every call of one circuit reaches the same
/// silo's scheduler, where the latest request wins and clients are served fairly, as in one process. Requests and
/// frames are the pages' own records (FaceWeb.Components.Services, serialized as JSON); the session travels as a
/// <see cref="SessionView"/>.</summary>
[Alias("faceweb.engine")]
public interface IEngineGrain : IGrainWithStringKey
{
    [Alias("pack")] Task<EnginePack> Pack(CancellationToken ct);
    [Alias("edit-caps")] Task<EditCapabilities> EditCapabilities(CancellationToken ct);
    [Alias("create-caps")] Task<CreateCapabilities> CreateCapabilities(CancellationToken ct);
    [Alias("catalog")] Task<SliderCatalog> Catalog(CancellationToken ct);
    [Alias("frame")] Task<SeedResult> Frame(long seed, double truncation, bool preview, CancellationToken ct);
    [Alias("latent")] Task<SeedLatent> Latent(long seed, double truncation, CancellationToken ct);
    [Alias("global")] Task<EditFrame> Global(GlobalEditRequest request, SessionView session, CancellationToken ct);
    [Alias("mapper")] Task<EditFrame> Mapper(MapperEditRequest request, SessionView session, CancellationToken ct);
    [Alias("principal")] Task<EditFrame> Principal(PrincipalEditRequest request, SessionView session, CancellationToken ct);
    [Alias("start")] Task<EditFrame> RenderStart(long seed, string? latent, SessionView session, CancellationToken ct);
    [Alias("slider")] Task<EditFrame> Slider(SliderRequest request, SessionView session, CancellationToken ct);
    /// <summary>Edit's latent optimisation, a long job: its frames stream back as they come.</summary>
    [Alias("optimise")] IAsyncEnumerable<EditFrame> Optimize(OptimizeRequest request, SessionView session, CancellationToken ct);
    [Alias("text2face")] IAsyncEnumerable<CreatedFrame> TextToFace(TextToFaceRequest request, SessionView session, CancellationToken ct);
    [Alias("sketch2face")] IAsyncEnumerable<CreatedFrame> SketchToFace(SketchToFaceRequest request, SessionView session, CancellationToken ct);
    [Alias("invert")] IAsyncEnumerable<CreatedFrame> Invert(InvertRequest request, SessionView session, CancellationToken ct);
    [Alias("sketch-of")] Task<float[]> SketchOf(byte[] png, CancellationToken ct);
    [Alias("find-faces")] Task<PhotoFaces> FindFaces(byte[] photo, CancellationToken ct);
    [Alias("compare")] IAsyncEnumerable<CompareResult> Compare(CompareRequest request, SessionView session, CancellationToken ct);
}

/// <summary>Reentrant: a circuit's next frame must reach the scheduler while its last one renders, so the scheduler can
/// coalesce them (a grain that queued calls would render every stale input in order). Cancellation travels with the
/// call. Edit and slider frames run the same <see cref="EditService"/> and <see cref="SliderService"/> a single process
/// runs, in a service scope of this activation whose session is the circuit's, mirrored call by call.</summary>
[Reentrant, PackPlacement]
public sealed class EngineGrain(SeedWork work, IServiceProvider services, ILocalSiloDetails silo) : Grain, IEngineGrain
{
    string Client => this.GetPrimaryKeyString().Split('/', 2)[^1] + ":render";
    AsyncServiceScope? scope;

    /// <summary>This circuit's services on the silo, under the web circuit's id.</summary>
    IServiceProvider Services
    {
        get
        {
            if (scope is null)
            {
                scope = services.CreateAsyncScope();
                scope.Value.ServiceProvider.GetRequiredService<CircuitWork>().Id = this.GetPrimaryKeyString().Split('/', 2)[^1];
            }
            return scope.Value.ServiceProvider;
        }
    }

    /// <summary>The same, its session brought up to date from <paramref name="view"/>.</summary>
    IServiceProvider Scope(SessionView view)
    {
        Services.GetRequiredService<SessionLatentStore>().Mirror(view);
        return Services;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken ct)
    {
        if (scope is { } s) await s.DisposeAsync();
    }

    public Task<EnginePack> Pack(CancellationToken ct) => work.PackAsync(ct);

    public Task<EditCapabilities> EditCapabilities(CancellationToken ct) => Services.GetRequiredService<IEditService>().GetCapabilitiesAsync(ct);

    public Task<CreateCapabilities> CreateCapabilities(CancellationToken ct) => Services.GetRequiredService<ICreateService>().GetCapabilitiesAsync(ct);

    public Task<SliderCatalog> Catalog(CancellationToken ct) => Services.GetRequiredService<ISliderService>().GetCatalogAsync(ct);

    public Task<SeedResult> Frame(long seed, double truncation, bool preview, CancellationToken ct) =>
        Busy(async () => await work.FrameAsync(Client, seed, truncation, preview, ct) with { Engine = silo.Name });

    public Task<SeedLatent> Latent(long seed, double truncation, CancellationToken ct) =>
        Busy(() => work.LatentAsync(Client, seed, truncation, ct));

    public Task<EditFrame> Global(GlobalEditRequest request, SessionView session, CancellationToken ct) =>
        Edit(session, e => e.GlobalAsync(request, ct));

    public Task<EditFrame> Mapper(MapperEditRequest request, SessionView session, CancellationToken ct) =>
        Edit(session, e => e.MapperAsync(request, ct));

    public Task<EditFrame> Principal(PrincipalEditRequest request, SessionView session, CancellationToken ct) =>
        Edit(session, e => e.PrincipalAsync(request, ct));

    public Task<EditFrame> RenderStart(long seed, string? latent, SessionView session, CancellationToken ct) =>
        Edit(session, e => e.RenderStartAsync(seed, latent, ct));

    public async Task<EditFrame> Slider(SliderRequest request, SessionView session, CancellationToken ct) =>
        await Scope(session).GetRequiredService<ISliderService>().RenderAsync(request, ct) with { Engine = silo.Name };

    public async IAsyncEnumerable<EditFrame> Optimize(OptimizeRequest request, SessionView session, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var f in Scope(session).GetRequiredService<IEditService>().OptimizeAsync(request, ct)) yield return f with { Engine = silo.Name };
    }

    public IAsyncEnumerable<CreatedFrame> TextToFace(TextToFaceRequest request, SessionView session, CancellationToken ct) =>
        Created(session, c => c.TextToFaceAsync(request, ct));

    public IAsyncEnumerable<CreatedFrame> SketchToFace(SketchToFaceRequest request, SessionView session, CancellationToken ct) =>
        Created(session, c => c.SketchToFaceAsync(request, ct));

    public IAsyncEnumerable<CreatedFrame> Invert(InvertRequest request, SessionView session, CancellationToken ct) =>
        Created(session, c => c.InvertAsync(request, ct));

    public Task<float[]> SketchOf(byte[] png, CancellationToken ct) =>
        Services.GetRequiredService<ICreateService>().SketchOfAsync(png, ct);

    public Task<PhotoFaces> FindFaces(byte[] photo, CancellationToken ct) =>
        Services.GetRequiredService<ICreateService>().FindFacesAsync(photo, ct);

    public IAsyncEnumerable<CompareResult> Compare(CompareRequest request, SessionView session, CancellationToken ct) =>
        Scope(session).GetRequiredService<ICreateService>().CompareAsync(request, ct);

    /// <summary>Create's frames, each with the latent the silo's copy of the session kept for it.</summary>
    async IAsyncEnumerable<CreatedFrame> Created(SessionView session, Func<ICreateService, IAsyncEnumerable<CreateFrame>> call)
    {
        var sp = Scope(session);
        var store = sp.GetRequiredService<SessionLatentStore>();
        await foreach (var f in call(sp.GetRequiredService<ICreateService>()))
            yield return new CreatedFrame(f, f.Latent is { } id ? store.View(id).Latent : null);
    }

    async Task<EditFrame> Edit(SessionView session, Func<IEditService, Task<EditFrame>> call) =>
        await call(Scope(session).GetRequiredService<IEditService>()) with { Engine = silo.Name };

    /// <summary>A full queue reaches the page as the scheduler's message (the exception type the pages know). Only
    /// <see cref="SeedWork"/>'s calls need it: the page services already say so (<see cref="EngineSession.GuardAsync"/>).</summary>
    static async Task<T> Busy<T>(Func<Task<T>> call)
    {
        try { return await call(); }
        catch (EngineBusyException e) { throw new InvalidOperationException(e.Message); }
    }
}
