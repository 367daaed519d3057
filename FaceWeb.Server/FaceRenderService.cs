using FaceWeb.Components.Services;

namespace FaceWeb.Server;

/// <summary>One per circuit: Generate's frames, from this process's engine or the engine pool (<see cref="ISeedEngine"/>).</summary>
public sealed class FaceRenderService(ISeedEngine engine, EngineSession session, SessionLatentStore latents) : IFaceRenderService
{
    public async Task<PackSummary> GetPackAsync(CancellationToken ct = default) => (await engine.PackAsync(ct)).Summary;

    /// <summary>A seed and ψ a person could have typed, or the reason they cannot (logged as a refused input).</summary>
    void Check(GenerateRequest request, string what)
    {
        try
        {
            Inputs.Seed(request.Seed);
            Inputs.Number(request.Truncation, 0, 2, "Truncation");
        }
        catch (ArgumentException e) when (session.Refused(what, e)) { throw; }
    }

    public async Task<FaceFrame> RenderAsync(GenerateRequest request, CancellationToken ct = default)
    {
        Check(request, "frame");
        var f = await engine.FrameAsync(request.Seed, request.Truncation, request.Preview, ct);
        return new FaceFrame(f.Png, request, f.Resolution, f.Milliseconds, f.Batch, f.IsPreview, f.PreviewBlock, f.Engine);
    }

    public async Task<string> KeepAsync(GenerateRequest request, CancellationToken ct = default)
    {
        Check(request, "keep");
        var w = await engine.LatentAsync(request.Seed, request.Truncation, ct);
        string id = latents.Add(w.Data, w.Shape, w.Label, w.Png);
        await latents.FlushAsync();                    // "kept" means stored: a page opened next (any server) finds it
        return id;
    }
}
