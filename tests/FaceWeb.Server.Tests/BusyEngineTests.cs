using FaceWeb.Components.Services;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace FaceWeb.Server.Tests;

/// <summary>A full engine queue answers every kind of request with the same clear message (the pages show it).</summary>
public sealed class BusyEngineTests : IAsyncLifetime
{
    static CancellationToken T => TestContext.Current.CancellationToken;
    readonly TestApp app = new();
    readonly WebApplicationFactory<Program> factory;

    public BusyEngineTests() => factory = app.WithWebHostBuilder(b => b.UseSetting("FaceWeb:MaxWaitingClients", "1"));

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task An_upload_a_frame_and_a_job_while_the_queue_is_full_say_the_engine_is_busy()
    {
        var host = factory.Services.GetRequiredService<EngineHost>();
        await host.Edits;
        using var scope = factory.Services.CreateScope();
        var create = scope.ServiceProvider.GetRequiredService<ICreateService>();
        var renderer = scope.ServiceProvider.GetRequiredService<IFaceRenderService>();
        byte[] png = (await renderer.RenderAsync(new GenerateRequest(1, 0.7), T)).Png;

        using var hold = new ManualResetEventSlim();
        using var entered = new ManualResetEventSlim();
        var blocker = host.Scheduler.RunAsync("test:blocker", _ => { entered.Set(); hold.Wait(T); return 0; }, T);
        entered.Wait(T);
        var waiting = host.Scheduler.RunAsync("test:waiting", _ => 0, T);        // the one waiting place is taken
        try
        {
            var upload = await Assert.ThrowsAsync<InvalidOperationException>(() => create.FindFacesAsync(png, T));
            Assert.Contains("The engine is busy", upload.Message);
            var frame = await Assert.ThrowsAsync<InvalidOperationException>(() => renderer.RenderAsync(new GenerateRequest(2, 0.7), T));
            Assert.Contains("The engine is busy", frame.Message);
            var job = await Assert.ThrowsAsync<InvalidOperationException>(async () => { await foreach (var _ in create.TextToFaceAsync(new TextToFaceRequest("a smiling woman"), T)) { } });
            Assert.Contains("The engine is busy", job.Message);
        }
        finally { hold.Set(); }
        await Task.WhenAll(blocker, waiting);
    }

    public async ValueTask DisposeAsync()
    {
        await factory.DisposeAsync();
        await app.DisposeAsync();
    }
}
