using FaceWeb.Components.Services;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace FaceWeb.Server.Tests;

public sealed class AppTests(WebApplicationFactory<Program> factory) : IClassFixture<WebApplicationFactory<Program>>
{
    static CancellationToken T => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Home_page_answers_200_with_the_interactive_app()
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync("/", T);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync(T);
        // Pages are not prerendered: the server sends the shell and an interactive-server component marker.
        Assert.Contains("_framework/blazor.web.js", html);
        Assert.Contains("<!--Blazor:{\"type\":\"server\"", html);
        Assert.Contains("_content/MudBlazor/MudBlazor.min", html);
    }

    [Fact]
    public async Task MudBlazor_assets_are_served()
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync("/_content/MudBlazor/MudBlazor.min.css", T);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_embedded_default_pack_is_loaded_and_renders_64px_pngs()
    {
        using var scope = factory.Services.CreateScope();
        var renderer = scope.ServiceProvider.GetRequiredService<IFaceRenderService>();
        var pack = await renderer.GetPackAsync(T);
        Assert.Equal("faceweb-mini", pack.Name);
        Assert.True(pack.Trained);
        var a = await renderer.RenderAsync(new GenerateRequest(1, 0.7), T);
        var b = await renderer.RenderAsync(new GenerateRequest(1, 0.7), T);
        var c = await renderer.RenderAsync(new GenerateRequest(2, 0.7), T);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], a.Png[..4]);
        Assert.Equal(64, BitConverter.ToInt32(a.Png[16..20].Reverse().ToArray()));  // IHDR width
        Assert.Equal(a.Png, b.Png);                                                // same seed, same image
        Assert.NotEqual(a.Png, c.Png);
    }

    [Fact]
    public async Task Bad_requests_get_clear_errors()
    {
        using var scope = factory.Services.CreateScope();
        var renderer = scope.ServiceProvider.GetRequiredService<IFaceRenderService>();
        var e = await Assert.ThrowsAsync<ArgumentException>(() => renderer.RenderAsync(new GenerateRequest(1, double.NaN), T));
        Assert.Contains("Truncation", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => renderer.RenderAsync(new GenerateRequest(-1, 0.5), T));
    }
}
