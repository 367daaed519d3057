using FaceWeb.Components.Services;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;

namespace FaceWeb.Server.Tests;

/// <summary>#17: FaceWeb:Device asks for a GPU this build cannot use: the app says so on its pages and runs on the CPU.</summary>
public sealed class DeviceSettingTests : IDisposable
{
    readonly TestApp app = new();

    [Theory]
    [InlineData("cuda:0", "device 'cuda:0': this build has libtorch's CPU package; build with -p:FaceWebGpu=true, or choose cpu")]
    [InlineData("tpu", "device 'tpu' is not one of auto, cpu, cuda, cuda:N")]
    public async Task A_device_the_build_cannot_use_is_a_warning_and_the_engine_runs_on_the_cpu(string device, string why)
    {
        using var factory = app.WithWebHostBuilder(b => b.UseSetting("FaceWeb:Device", device));
        var (engine, pack) = await factory.Services.GetRequiredService<EngineHost>().Ready;
        Assert.Equal(DeviceType.CPU, engine.Device.type);
        Assert.Equal($"The engine runs on the CPU: {why}.", pack.Warning);
        using var scope = factory.Services.CreateScope();
        var frame = await scope.ServiceProvider.GetRequiredService<IFaceRenderService>().RenderAsync(new GenerateRequest(1, 0.7), TestContext.Current.CancellationToken);
        Assert.Equal(64, frame.Resolution);
    }

    public void Dispose() => app.Dispose();
}
