using FaceWeb.Components.Services;

namespace FaceWeb.Components.Tests;

/// <summary>Records requests; each returns a task the test completes explicitly (no timing involved).</summary>
sealed class FakeRenderer(bool trained = true, int resolution = 64) : IFaceRenderService
{
    public List<GenerateRequest> Kept { get; } = [];
    public Task<string> KeepAsync(GenerateRequest request, CancellationToken ct = default) { Kept.Add(request); return Task.FromResult("kept1"); }
    public List<(GenerateRequest Request, TaskCompletionSource<FaceFrame> Result, CancellationToken Token)> Calls { get; } = [];

    public Task<PackSummary> GetPackAsync(CancellationToken ct = default) =>
        Task.FromResult(new PackSummary(trained ? "faceweb-mini" : "placeholder (untrained)", trained, resolution, "test"));

    public Task<FaceFrame> RenderAsync(GenerateRequest request, CancellationToken ct = default)
    {
        var tcs = new TaskCompletionSource<FaceFrame>(TaskCreationOptions.RunContinuationsAsynchronously);
        ct.Register(() => tcs.TrySetCanceled(ct));
        Calls.Add((request, tcs, ct));
        return tcs.Task;
    }

    public void Complete(int call, byte marker = 1) =>
        Calls[call].Result.TrySetResult(new FaceFrame([0x89, (byte)'P', (byte)'N', (byte)'G', marker], Calls[call].Request, resolution, 12,
            IsPreview: Calls[call].Request.Preview && resolution >= PackSummary.PreviewFrom, PreviewBlock: resolution / 16));
}
