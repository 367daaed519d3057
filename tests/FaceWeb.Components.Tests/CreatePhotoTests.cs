using System.Runtime.CompilerServices;
using FaceWeb.Components.Create;
using FaceWeb.Components.Services;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;

namespace FaceWeb.Components.Tests;

/// <summary>The Create page's photo tab: the faces found are offered, the picked one is reconstructed, none is said.</summary>
public sealed class CreatePhotoTests : BunitContext
{
    readonly FakeCreate fake = new();

    public CreatePhotoTests()
    {
        Pages.SetUp(this, s => s
            .AddSingleton<ICreateService>(fake));
    }

    IRenderedComponent<CreatePage> PhotoTab()
    {
        var cut = Render<CreatePage>();
        cut.WaitForElement(".mud-tab");
        cut.FindAll(".mud-tab").Single(t => t.TextContent.Contains("Photo")).Click();
        cut.WaitForState(() => cut.FindComponents<InputFile>().Count == 1);          // the tab's panel renders after the click
        return cut;
    }

    [Fact]
    public void Several_faces_are_offered_and_the_picked_one_is_reconstructed()
    {
        fake.Faces = new PhotoFaces([[1], [2], [3]]);
        var cut = PhotoTab();
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary([0x89, 1, 2], "group.png", contentType: "image/png"));
        cut.WaitForState(() => cut.FindAll("[data-testid=face-choice]").Count == 3);
        Assert.Contains("Found 3 faces", cut.Markup);
        Assert.Equal("true", cut.FindAll("[data-testid=face-choice]")[0].GetAttribute("data-selected"));
        cut.FindAll("[data-testid=face-choice]")[2].Click();
        Assert.Equal("true", cut.FindAll("[data-testid=face-choice]")[2].GetAttribute("data-selected"));
        cut.Find("[data-testid=create-generate]").Click();
        cut.WaitForState(() => fake.Inverted.Count == 1);
        Assert.Equal(2, fake.Inverted[0].Face);
    }

    [Fact]
    public void No_face_is_said_and_nothing_is_reconstructed()
    {
        fake.Faces = new PhotoFaces([]);
        var cut = PhotoTab();
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary([0x89, 1, 2], "card.png", contentType: "image/png"));
        cut.WaitForState(() => cut.FindAll("[data-testid=create-error]").Count == 1);
        Assert.Contains("No face was found", cut.Find("[data-testid=create-error]").TextContent);
        cut.Find("[data-testid=create-generate]").Click();
        Assert.Empty(fake.Inverted);
    }

    [Fact]
    public void Without_detection_the_centre_square_is_used_and_the_page_says_why()
    {
        fake.Faces = new PhotoFaces([], "Face detection is off (weights missing)");
        var cut = PhotoTab();
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary([0x89, 1, 2], "face.png", contentType: "image/png"));
        cut.WaitForState(() => cut.FindAll("[data-testid=faces-off]").Count == 1);
        cut.Find("[data-testid=create-generate]").Click();
        cut.WaitForState(() => fake.Inverted.Count == 1);
        Assert.Null(fake.Inverted[0].Face);
    }


    [Fact]
    public void A_busy_engine_during_an_upload_is_said_and_the_photo_is_kept()
    {
        fake.FindError = new InvalidOperationException("The engine is busy (64 clients waiting); try again in a moment.");
        var cut = PhotoTab();
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary([0x89, 1, 2], "face.png", contentType: "image/png"));
        cut.WaitForState(() => cut.FindAll("[data-testid=create-error]").Count == 1);
        Assert.Contains("The engine is busy", cut.Find("[data-testid=create-error]").TextContent);
        Assert.Contains("face.png", cut.Find("[data-testid=photo-name]").TextContent);
    }

    [Fact]
    public void An_empty_file_gets_a_file_error_not_a_face_error()
    {
        var cut = PhotoTab();
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary([], "empty.png", contentType: "image/png"));
        cut.WaitForState(() => cut.FindAll("[data-testid=create-error]").Count == 1);
        Assert.Equal("The file is empty (0 bytes).", cut.Find("[data-testid=create-error]").TextContent.Trim());
        Assert.Equal(0, fake.FindCalls);
    }

    sealed class FakeCreate : ICreateService
    {
        public PhotoFaces Faces { get; set; } = new([]);
        public Exception? FindError { get; set; }
        public int FindCalls { get; private set; }
        public List<InvertRequest> Inverted { get; } = [];
        public Task<CreateCapabilities> GetCapabilitiesAsync(CancellationToken ct = default) => Task.FromResult(new CreateCapabilities(64, true, false, null));
        public Task<PhotoFaces> FindFacesAsync(byte[] photo, CancellationToken ct = default)
        {
            FindCalls++;
            return FindError is null ? Task.FromResult(Faces) : Task.FromException<PhotoFaces>(FindError);
        }
        public async IAsyncEnumerable<CreateFrame> InvertAsync(InvertRequest request, [EnumeratorCancellation] CancellationToken ct = default)
        {
            Inverted.Add(request);
            await Task.Yield();
            yield return new CreateFrame(0, [1, 2], "aligned", 0);
        }
        public IAsyncEnumerable<CreateFrame> TextToFaceAsync(TextToFaceRequest request, CancellationToken ct = default) => throw new NotSupportedException();
        public IAsyncEnumerable<CreateFrame> SketchToFaceAsync(SketchToFaceRequest request, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<float[]> SketchOfAsync(byte[] png, CancellationToken ct = default) => throw new NotSupportedException();
        public IAsyncEnumerable<CompareResult> CompareAsync(CompareRequest request, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<byte[]> ExportCompareAsync(IReadOnlyList<CompareResult> cells, CancellationToken ct = default) => throw new NotSupportedException();
    }
}
