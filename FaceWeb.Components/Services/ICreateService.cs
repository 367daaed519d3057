namespace FaceWeb.Components.Services;

/// <summary>Text → face, sketch → face and the compare view (implemented by the host over the engine; one per circuit).</summary>
public interface ICreateService
{
    Task<CreateCapabilities> GetCapabilitiesAsync(CancellationToken ct = default);

    /// <summary>Faces for a caption; frames of every slot stream as they improve. Cancel the token to stop.</summary>
    IAsyncEnumerable<CreateFrame> TextToFaceAsync(TextToFaceRequest request, CancellationToken ct = default);

    /// <summary>A face from a sketch (grey levels, 1 = white paper) and an optional caption; frames stream: with the pack's
    /// sketch encoder its one-pass face first, then the refinement steps. A drawing with nothing to follow (empty, a dot,
    /// mostly ink) is refused with an <see cref="ArgumentException"/> saying why.</summary>
    IAsyncEnumerable<CreateFrame> SketchToFaceAsync(SketchToFaceRequest request, CancellationToken ct = default);

    /// <summary>The sketch of a face image (a frame's PNG) as Size×Size grey levels, 1 = paper: what "Sketch this face" draws.</summary>
    Task<float[]> SketchOfAsync(byte[] png, CancellationToken ct = default);

    /// <summary>The faces of an uploaded photo, largest first, each aligned to the pack's framing (PNG at the pack's size).
    /// Empty when there is none. Bad files are refused with an <see cref="ArgumentException"/> saying why.</summary>
    Task<PhotoFaces> FindFacesAsync(byte[] photo, CancellationToken ct = default);

    /// <summary>An uploaded photo → W+ by projection: the first frame is the photo as the generator sees it (slot 0), then
    /// the reconstruction improves (slot 1); its last frame joins the session.</summary>
    IAsyncEnumerable<CreateFrame> InvertAsync(InvertRequest request, CancellationToken ct = default);

    /// <summary>Every applicable method on one seed and prompt pair; each cell arrives when its method finishes.</summary>
    IAsyncEnumerable<CompareResult> CompareAsync(CompareRequest request, CancellationToken ct = default);

    /// <summary>The cells as one captioned PNG.</summary>
    Task<byte[]> ExportCompareAsync(IReadOnlyList<CompareResult> cells, CancellationToken ct = default);
}

/// <param name="Unavailable">Why text → face and the compare view are off (no text–image space), when they are.</param>
/// <param name="SsaGan">the pack has an SSA-GAN (text → face in one pass, with its masks).</param>
/// <param name="SketchEncoder">the pack has a sketch encoder: sketch → face shows a face at once, refinement is optional.</param>
public sealed record CreateCapabilities(int Resolution, bool Text, bool Prior, string? Unavailable, bool SsaGan = false, bool SketchEncoder = false,
    bool Attributes = false);

/// <param name="Method">"attributes" (gender, age and smile read from the caption, set with the pack's sliders),
/// "optimise" (CLIP-guided from the best of several starts), "prior" (the pack's text→W prior) or "ssagan" (the pack's
/// SSA-GAN, one pass; its faces have no StyleGAN latent, so they cannot be edited).</param>
/// <param name="Count">How many faces (seeds Seed … Seed+Count−1), shown as a strip.</param>
public sealed record TextToFaceRequest(string Caption, string Method = "optimise", int Count = 3, int Steps = 100, long Seed = 0);

/// <param name="Sketch">Size×Size grey levels in [0,1], row-major; 1 is white paper.</param>
/// <param name="Steps">Refinement steps after the encoder's face (0: the encoder's face only; without an encoder at least 1).</param>
/// <param name="RestFromSeed">The rows the drawing does not set come from <paramref name="Seed"/>'s face ("Randomise the
/// rest"), not from the encoder; without an encoder the whole start is the seed's face.</param>
public sealed record SketchToFaceRequest(float[] Sketch, int Size, string? Caption, int Steps = 100, long Seed = 0, bool RestFromSeed = false);

/// <param name="Photo">The uploaded file's bytes (PNG, JPEG or WebP, at most 10 MB).</param>
/// <param name="Face">Which face of <see cref="ICreateService.FindFacesAsync"/> to reconstruct; null = the centre square as it is.</param>
public sealed record InvertRequest(byte[] Photo, int Steps = 100, int? Face = null);

/// <param name="DetectionOff">Why faces cannot be found (face-api.js weights not restored), when they cannot: the centre
/// square of the photo is used then.</param>
public sealed record PhotoFaces(IReadOnlyList<byte[]> Faces, string? DetectionOff = null);

/// <param name="Only">Re-run just this method (a cell's <see cref="CompareResult.Key"/>), with <paramref name="Alpha"/> (global direction, InterFaceGAN),
/// <paramref name="Strength"/> (mapper) or <paramref name="Steps"/> (optimisations).</param>
/// <param name="Mode">"edits" (every edit method on the seed's face, towards Target) or "text2face" (every text → face
/// method for Target as a caption: optimisation, the prior, SSA-GAN).</param>
/// <param name="Alpha">α of the global direction, slider and principal direction cells; null: each method's own default.</param>
public sealed record CompareRequest(long Seed, string Neutral, string Target, int Steps = 60, string? Only = null, double? Alpha = null, double Strength = 1,
    string Mode = "edits");

/// <param name="Slot">Which face of the strip this frame belongs to.</param>
/// <param name="Latent">On a slot's last frame: the session latent it was saved as (edit it from there).</param>
/// <param name="MaskPng">the image with where the text acted laid over it (SSA-GAN's last fusion mask), when the method predicts it.</param>
public sealed record CreateFrame(int Slot, byte[] Png, string Detail, double Progress, string? Latent = null, byte[]? MaskPng = null)
{
    public string DataUrl => Images.DataUrl(Png);
    public string? MaskDataUrl => MaskPng is null ? null : Images.DataUrl(MaskPng);
}

/// <param name="Method">The method's name as people read it.</param>
/// <param name="Key">What <see cref="CompareRequest.Only"/> takes to run this cell again.</param>
/// <param name="Knob">The parameter a re-run changes ("α", "strength" or "steps"), or null when there is none.</param>
/// <param name="Draft">What a review room stores when the cell is posted.</param>
/// <param name="PixelDistance">to the source face; NaN in the text → face mode (there is no source).</param>
/// <param name="MaskPng">the face with where the text acted laid over it (SSA-GAN).</param>
/// <param name="KnobValue">The value of <paramref name="Knob"/> this cell was made with (where a re-run starts).</param>
public sealed record CompareResult(string Method, string Detail, byte[] Png, double TextScore, double? Identity, double PixelDistance, double Milliseconds,
    string Key = "", string? Knob = null, NodeDraft? Draft = null, byte[]? MaskPng = null, double? KnobValue = null)
{
    public string DataUrl => Images.DataUrl(Png);
    public string? MaskDataUrl => MaskPng is null ? null : Images.DataUrl(MaskPng);
}
