using System.Runtime.CompilerServices;
using FaceWeb.Components.Create;
using FaceWeb.Components.Services;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace FaceWeb.Components.Tests;

/// <summary>#19: SSA-GAN as Create's third text → face method; its faces can show where the text acted (the mask overlay)
/// and, having no StyleGAN latent, offer no "Edit this face".</summary>
public sealed class CreateSsaGanTests : BunitContext
{
    readonly FakeCreate fake = new();

    public CreateSsaGanTests() => Pages.SetUp(this, s => s.AddSingleton<ICreateService>(fake));

    [Fact]
    public async Task Ssagan_faces_come_with_a_mask_overlay_toggle_and_no_edit_link()
    {
        var cut = Render<CreatePage>();
        cut.WaitForState(() => cut.FindComponents<MudSelect<string>>().Count > 0);
        await cut.InvokeAsync(() => cut.FindComponent<MudSelect<string>>().Instance.ValueChanged.InvokeAsync("ssagan"));
        await cut.InvokeAsync(() => cut.FindComponents<MudTextField<string>>()[0].Instance.ValueChanged.InvokeAsync("a smiling young woman"));
        Assert.Contains("cannot be edited", cut.Markup);
        await cut.InvokeAsync(() => cut.Find("[data-testid=create-generate]").Click());
        cut.WaitForState(() => cut.FindAll("[data-testid=create-image]").Count == 2);
        Assert.Equal("ssagan", Assert.Single(fake.Asked).Method);
        var images = cut.FindAll("[data-testid=create-image]");
        Assert.Equal(Images.DataUrl([1, 2]), images[0].GetAttribute("src"));
        Assert.Equal("false", images[0].GetAttribute("data-overlay"));
        Assert.Empty(cut.FindAll("[data-testid=create-edit]"));
        await cut.InvokeAsync(() => cut.FindComponent<MudSwitch<bool>>().Instance.ValueChanged.InvokeAsync(true));
        images = cut.FindAll("[data-testid=create-image]");
        Assert.Equal(Images.DataUrl([9, 9]), images[0].GetAttribute("src"));
        Assert.Equal("true", images[1].GetAttribute("data-overlay"));
    }

    sealed class FakeCreate : ICreateService
    {
        public List<TextToFaceRequest> Asked { get; } = [];
        public Task<CreateCapabilities> GetCapabilitiesAsync(CancellationToken ct = default) => Task.FromResult(new CreateCapabilities(64, true, false, null, SsaGan: true));
        public async IAsyncEnumerable<CreateFrame> TextToFaceAsync(TextToFaceRequest request, [EnumeratorCancellation] CancellationToken ct = default)
        {
            Asked.Add(request);
            await Task.Yield();
            yield return new CreateFrame(0, [1, 2], "seed 0: SSA-GAN, one pass", 0.5, null, [9, 9]);
            yield return new CreateFrame(1, [3, 4], "seed 1: SSA-GAN, one pass", 1, null, [8, 8]);
        }
        public Task<PhotoFaces> FindFacesAsync(byte[] photo, CancellationToken ct = default) => throw new NotSupportedException();
        public IAsyncEnumerable<CreateFrame> InvertAsync(InvertRequest request, CancellationToken ct = default) => throw new NotSupportedException();
        public IAsyncEnumerable<CreateFrame> SketchToFaceAsync(SketchToFaceRequest request, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<float[]> SketchOfAsync(byte[] png, CancellationToken ct = default) => throw new NotSupportedException();
        public IAsyncEnumerable<CompareResult> CompareAsync(CompareRequest request, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<byte[]> ExportCompareAsync(IReadOnlyList<CompareResult> cells, CancellationToken ct = default) => throw new NotSupportedException();
    }
}
