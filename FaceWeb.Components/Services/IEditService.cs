namespace FaceWeb.Components.Services;

/// <summary>StyleCLIP edits for the Edit page (implemented by the host over the engine; one instance per circuit).</summary>
public interface IEditService
{
    Task<EditCapabilities> GetCapabilitiesAsync(CancellationToken ct = default);

    /// <summary>Global direction (α·Δs with relevance threshold β). A newer call from the circuit replaces this one if it has not started (ADR 0005).</summary>
    Task<EditFrame> GlobalAsync(GlobalEditRequest request, CancellationToken ct = default);

    Task<EditFrame> MapperAsync(MapperEditRequest request, CancellationToken ct = default);

    /// <summary>GANSpace: α standard deviations along one of the pack's principal directions of W (discovered without
    /// labels or text), on the ticked layer groups. Latest call wins, as for the other previews.</summary>
    Task<EditFrame> PrincipalAsync(PrincipalEditRequest request, CancellationToken ct = default);

    /// <summary>The unedited start image (a seed's or a session latent's), e.g. to paint a region over.</summary>
    Task<EditFrame> RenderStartAsync(long seed, string? latent, CancellationToken ct = default);

    /// <summary>Latent optimisation: frames stream as the optimisation runs; cancel the token to stop.</summary>
    IAsyncEnumerable<EditFrame> OptimizeAsync(OptimizeRequest request, CancellationToken ct = default);

    /// <summary>Trains a StyleCLIP mapper for a text into the pack; progress streams; cancel the token to stop.</summary>
    IAsyncEnumerable<JobProgress> TrainMapperAsync(TrainMapperRequest request, CancellationToken ct = default);

    /// <summary>Precomputes what global directions need (StyleSpace statistics, then fs3) into the pack. Resumable:
    /// after a cancel, running it again continues where it stopped.</summary>
    IAsyncEnumerable<JobProgress> PrecomputeGlobalAsync(CancellationToken ct = default);
}

public sealed record TrainMapperRequest(string Text, int Steps = 200);

/// <param name="Done">Set on the last item, when the result is saved and usable.</param>
public sealed record JobProgress(double Fraction, string Message, bool Done = false);

/// <param name="Unavailable">Why editing is off, when it is (e.g. no text–image space configured).</param>
/// <param name="Identity">An identity model is loaded, so optimisation can keep the face's identity (λ_ID).</param>
/// <param name="PrincipalDirections">How many GANSpace directions the pack offers (Discover directions).</param>
/// <param name="InDomain">The pack has an encoder, so optimisation can be kept in its face domain (<see cref="OptimizeRequest.InDomain"/>).</param>
/// <param name="CanPrecompute">Global directions are missing but can be precomputed here (a text–image space and a writable pack).</param>
public sealed record EditCapabilities(bool TextEdits, bool GlobalDirections, IReadOnlyList<string> Mappers, string? Unavailable, bool Identity = false,
    bool CanPrecompute = false, int Resolution = 0, int PrincipalDirections = 20, bool InDomain = false);

/// <param name="Latent">A session latent to start from instead of the seed (<see cref="ISessionLatents"/>).</param>
/// <param name="Preview">While the input moves: a progressive preview is enough (as <see cref="GenerateRequest.Preview"/>).</param>
public sealed record GlobalEditRequest(long Seed, string Neutral, string Target, double Alpha, double Beta, string? Latent = null, bool Preview = false);
public sealed record MapperEditRequest(long Seed, string Mapper, double Strength, string? Latent = null, bool Preview = false);
/// <param name="Component">0 is the direction along which W varies most.</param>
public sealed record PrincipalEditRequest(long Seed, int Component, double Alpha, string? Latent = null, bool Coarse = true, bool Middle = true, bool Fine = true);
/// <param name="Region">Optional RegionSize×RegionSize mask (1 = may change): changes outside it are penalised.</param>
/// <param name="InDomain">Keep the result a face as text → face does (one offset in W, the pack's encoder as in-domain
/// regulariser), when the pack has an encoder (<see cref="EditCapabilities.InDomain"/>); false: the paper's plain optimisation.</param>
public sealed record OptimizeRequest(long Seed, string Target, int Steps, double L2Lambda, double IdLambda = 0, string? Latent = null,
    float[]? Region = null, int RegionSize = 0, bool InDomain = true);

/// <param name="Method">The method's name as people read it ("global direction", "GANSpace" …), from the engine.</param>
/// <param name="Detail">What the frame is, e.g. "α 2.0, β 0.10: 312 channels" or "step 40/100, CLIP loss 0.71".</param>
/// <param name="Draft">What a review room stores when the frame is posted (null for frames that cannot be, previews included).</param>
/// <param name="PreviewBlock">A progressive preview up-sampled from this block (px); 0 for a full frame.</param>
/// <param name="Engine">The engine server that rendered it, when the engine is a pool of servers (null: this server).</param>
public sealed record EditFrame(byte[] Png, string Method, string Detail, double Milliseconds, int? ChannelsMoved = null, double? Progress = null,
    NodeDraft? Draft = null, int PreviewBlock = 0, string? Engine = null)
{
    public bool IsPreview => PreviewBlock > 0;

    public string DataUrl => Images.DataUrl(Png);
}
