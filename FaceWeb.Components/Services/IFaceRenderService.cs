namespace FaceWeb.Components.Services;

/// <summary>What the components need from the engine. The host implements it (one instance per circuit);
/// this library stays free of the engine and TorchSharp.</summary>
public interface IFaceRenderService
{
    /// <summary>The loaded model pack (waits for start-up loading to finish).</summary>
    Task<PackSummary> GetPackAsync(CancellationToken ct = default);

    /// <summary>Renders one frame. A newer call from the same circuit replaces this one if it has not started rendering
    /// (it is cancelled); one already rendering finishes (ADR 0005).</summary>
    Task<FaceFrame> RenderAsync(GenerateRequest request, CancellationToken ct = default);

    /// <summary>Keeps this seed's face at this ψ among the session's faces (to edit it, or post it to a review room);
    /// returns its session latent id.</summary>
    Task<string> KeepAsync(GenerateRequest request, CancellationToken ct = default);
}

/// <param name="Truncation">ψ: 0 is the average face, 1 the untruncated distribution.</param>
/// <param name="Preview">While the input moves: a progressive preview is enough (packs of <see cref="PackSummary.PreviewFrom"/> px
/// and up render only the generator's lower blocks); the full frame is asked for when the input rests.</param>
public sealed record GenerateRequest(long Seed, double Truncation, bool Preview = false);

/// <param name="Png">The image, PNG-encoded.</param>
/// <param name="Milliseconds">The render of the batch the frame came in.</param>
/// <param name="Batch">How many clients' frames that render made (the engine batches frames asked for at the same time).</param>
/// <param name="IsPreview">The image is a progressive preview (up-sampled from <paramref name="PreviewBlock"/> px), not the frame.</param>
/// <param name="Engine">The engine server that rendered it, when the engine is a pool of servers (null: this server).</param>
public sealed record FaceFrame(byte[] Png, GenerateRequest Request, int Resolution, double Milliseconds, int Batch = 1, bool IsPreview = false,
    int PreviewBlock = 0, string? Engine = null)
{
    public string DataUrl => Images.DataUrl(Png);
}

/// <param name="Trained">False for the untrained placeholder generator.</param>
public sealed record PackSummary(string Name, bool Trained, int Resolution, string Description, string? Warning = null)
{
    /// <summary>Live input on generators this large or larger is previewed progressively.</summary>
    public const int PreviewFrom = 256;
    public bool Previews => Resolution >= PreviewFrom;
}
