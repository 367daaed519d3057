using System.Diagnostics;
using FaceWeb.Components.Services;
using FaceWeb.Engine.Jobs;

namespace FaceWeb.Server;

/// <summary>One per circuit. All work goes through the process's scheduler under this circuit's client id;
/// when the circuit goes away its pending work is cancelled.</summary>
public sealed class FaceRenderService(EngineHost host) : IFaceRenderService, IDisposable
{
    readonly string client = Guid.NewGuid().ToString("N");
    readonly CancellationTokenSource circuit = new();

    public async Task<PackSummary> GetPackAsync(CancellationToken ct = default) =>
        (await host.Ready.WaitAsync(ct)).Pack;

    public async Task<FaceFrame> RenderAsync(GenerateRequest request, CancellationToken ct = default)
    {
        if (request.Seed < 0) throw new ArgumentException("The seed must be zero or positive.");
        if (!double.IsFinite(request.Truncation) || request.Truncation < 0 || request.Truncation > 2)
            throw new ArgumentException("Truncation must be a number between 0 and 2.");
        var (engine, pack) = await host.Ready.WaitAsync(ct);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, circuit.Token);
        try
        {
            return await host.Scheduler.RunAsync(client, token =>
            {
                token.ThrowIfCancellationRequested();
                var sw = Stopwatch.StartNew();
                var png = engine.RenderSeedPng(request.Seed, request.Truncation);
                return new FaceFrame(png, request, pack.Resolution, sw.Elapsed.TotalMilliseconds);
            }, linked.Token);
        }
        catch (EngineBusyException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }
    }

    public void Dispose()
    {
        circuit.Cancel();
        circuit.Dispose();
    }
}
