// The requests every host sends to a PackEditor and the result it gets back. Hosts parse their input into these,
// call the editor and format the result; the steps of each method live once, in the editor.
using FaceWeb.Engine.Inversion;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Editing;

public abstract record EditRequest
{
    public abstract EditMethod Method { get; }
}

/// <summary>StyleCLIP global direction: Δt from the prompt pair (ensembled over the pack's templates), channels with
/// relevance ≥ β, α·Δs added to the style codes. Defaults: α 0.9, β 0.12, the Edit page's, measured on the default pack
/// with fs3 through its views tower (ADR 0011's last addendum: smiling, old, man, woman, blond hair and glasses move for
/// ≥ 75 % of 200 faces and keep the person for ≥ 87 %; α 2–3 change who it is).</summary>
public sealed record GlobalDirectionEdit(string Neutral, string Target, double Alpha = GlobalDirectionEdit.DefaultAlpha,
    double Beta = GlobalDirectionEdit.DefaultBeta) : EditRequest
{
    public const double DefaultAlpha = 0.9, DefaultBeta = 0.12;

    public override EditMethod Method => EditMethod.GlobalDirection;
}

/// <summary>A trained StyleCLIP mapper of the pack, by its text, at a strength.</summary>
public sealed record MapperEdit(string Mapper, double Strength = 1) : EditRequest
{
    public override EditMethod Method => EditMethod.Mapper;
}

/// <summary>InterFaceGAN sliders: each move adds α·n to the chosen rows, projected off the attributes kept fixed. With
/// <paramref name="Seed"/>, Z-space sliders move that seed's z (at <paramref name="Truncation"/>) and the start is ignored.</summary>
public sealed record SliderEdit(IReadOnlyList<(string Attribute, double Alpha)> Moves, IReadOnlyList<string>? KeepFixed = null,
    LayerGroups Layers = LayerGroups.All, long? Seed = null, double Truncation = 0.7) : EditRequest
{
    public override EditMethod Method => EditMethod.InterFaceGan;
}

/// <summary>GANSpace: α standard deviations along the pack's k-th principal direction of W, on the chosen rows.</summary>
public sealed record PrincipalEdit(int Component, double Alpha, LayerGroups Layers = LayerGroups.All) : EditRequest
{
    public override EditMethod Method => EditMethod.PrincipalDirections;
}

/// <summary>StyleCLIP latent optimisation (or, with <see cref="EditMethod.TediGan"/>, TediGAN's optimisation of the
/// fine rows only). <paramref name="Frames"/> images are returned along the way, the last one at the final step.</summary>
/// <param name="Region">[1,1,H,W] mask (1 = may change), optimisation only.</param>
/// <param name="Encoder">an e4e encoder for the in-domain regulariser λ_domain.</param>
public sealed record OptimiseEdit(string Target, int Steps = 300, double L2Lambda = 0.008, double IdLambda = 0, double DomainLambda = 0,
    int Frames = 4, Tensor? Region = null, IWPlusEncoder? Encoder = null, bool FineRowsOnly = false, int Views = 0, bool SharedOffset = false) : EditRequest
{
    public override EditMethod Method => FineRowsOnly ? EditMethod.TediGan : EditMethod.Optimisation;

    /// <summary>How the optimisation is kept a face, as a frame's detail says it (e.g. ", in-domain λ 2, one offset in W"; "" for the paper's).</summary>
    public string GuidanceDetail =>
        (DomainLambda > 0 ? $", in-domain λ {DomainLambda.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)}" : "") + (SharedOffset ? ", one offset in W" : "");
}

/// <param name="Image">[N,3,H,W] in [−1,1]; the receiver disposes the result.</param>
/// <param name="Latent">the edited W+ [N,L,D] when the method has one (style-space edits do not).</param>
/// <param name="Detail">what was done, e.g. "α 3.0, β 0.10: 312 channels" or "step 40/100, CLIP loss 0.710".</param>
/// <param name="Progress">1 for a finished edit; the fraction of steps for an optimisation's frames.</param>
/// <param name="Mask">where the text acted, [N,1,H,W] in (0,1), for methods that predict it (SSA-GAN's last fusion mask).</param>
public sealed record EditResult(EditMethod Method, Tensor Image, string Detail, double Milliseconds, Tensor? Latent = null,
    int? ChannelsMoved = null, double Progress = 1, double Loss = double.NaN, Tensor? Mask = null) : IDisposable
{
    public void Dispose() { Image.Dispose(); Latent?.Dispose(); Mask?.Dispose(); }

    /// <summary>The image alone, for hosts that keep only the picture: the latent and mask are disposed, the receiver owns the image.</summary>
    public Tensor TakeImage() { Latent?.Dispose(); Mask?.Dispose(); return Image; }

    /// <summary>The last frame of a streamed edit (an optimisation's, text → face's), the frames before it disposed and
    /// the nulls a scheduler gets between steps skipped; the receiver disposes it.</summary>
    public static EditResult Last(IEnumerable<EditResult?> frames)
    {
        EditResult? last = null;
        foreach (var f in frames)
            if (f is not null) { last?.Dispose(); last = f; }
        return last ?? throw new InvalidOperationException("the edit gave no frame");
    }
}
