using FaceWeb.Components.Services;

namespace FaceWeb.Server;

/// <summary>One per circuit: Generate's frames, in the circuit's "render" lane.</summary>
public sealed class FaceRenderService(EngineSession session, SessionLatentStore latents) : IFaceRenderService
{
    public async Task<PackSummary> GetPackAsync(CancellationToken ct = default) =>
        (await session.Host.Ready.WaitAsync(ct)).Pack;

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
        var (engine, pack) = await session.Host.Ready.WaitAsync(ct);
        bool preview = request.Preview && pack.Previews;                             // small packs render the frame itself
        var frame = await session.RunBatchedAsync("render", preview ? session.Host.SeedPreviews : session.Host.SeedFrames, (request.Seed, request.Truncation), ct);
        return new FaceFrame(frame.Image.Png(), request, pack.Resolution, frame.Milliseconds, frame.Batch,   // encoded here, not on the engine thread
            preview, preview ? engine.PreviewResolution : 0);
    }

    public async Task<string> KeepAsync(GenerateRequest request, CancellationToken ct = default)
    {
        Check(request, "keep");
        var (engine, _) = await session.Host.Ready.WaitAsync(ct);
        return await session.RunAsync("render", _ =>
        {
            using var w = engine.SeedWPlus(request.Seed, request.Truncation);
            string label = $"seed {request.Seed}, ψ {request.Truncation.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}";
            return latents.Add(w, label, engine.RenderSeedPng(request.Seed, request.Truncation));   // the frame Generate showed
        }, ct);
    }
}
