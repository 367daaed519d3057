// Which edit method a request, a result, a Compare cell or a CLI verb means: one type shared by every host.
namespace FaceWeb.Engine.Editing;

public enum EditMethod
{
    /// <summary>The unedited start.</summary>
    Source,
    /// <summary>StyleCLIP global directions (Patashnik et al. 2021, §6).</summary>
    GlobalDirection,
    /// <summary>StyleCLIP latent mapper (§5).</summary>
    Mapper,
    /// <summary>StyleCLIP latent optimisation (§4).</summary>
    Optimisation,
    /// <summary>TediGAN's layer-wise text optimisation (Xia et al. 2021).</summary>
    TediGan,
    /// <summary>InterFaceGAN attribute boundaries (Shen et al. 2020).</summary>
    InterFaceGan,
    /// <summary>GANSpace principal directions of W (Härkönen et al. 2020).</summary>
    PrincipalDirections,
}

public static class EditMethods
{
    /// <summary>Every method in display order.</summary>
    public static IReadOnlyList<EditMethod> All { get; } = Enum.GetValues<EditMethod>();

    /// <summary>How people read the method's name (Compare cells, the Edit page, reports).</summary>
    public static string Title(this EditMethod m) => m switch
    {
        EditMethod.Source => "source",
        EditMethod.GlobalDirection => "global direction",
        EditMethod.Mapper => "mapper",
        EditMethod.Optimisation => "StyleCLIP optimisation",
        EditMethod.TediGan => "TediGAN optimisation",
        EditMethod.InterFaceGan => "InterFaceGAN",
        EditMethod.PrincipalDirections => "GANSpace",
        _ => throw new ArgumentOutOfRangeException(nameof(m)),
    };

    /// <summary>The word a command line uses (faceweb edit WORD, compare --only WORD).</summary>
    public static string Verb(this EditMethod m) => m switch
    {
        EditMethod.Source => "source",
        EditMethod.GlobalDirection => "global",
        EditMethod.Mapper => "mapper",
        EditMethod.Optimisation => "optimise",
        EditMethod.TediGan => "tedigan",
        EditMethod.InterFaceGan => "interfacegan",
        EditMethod.PrincipalDirections => "ganspace",
        _ => throw new ArgumentOutOfRangeException(nameof(m)),
    };

    /// <summary>The knob a person turns to try the method again: α, strength or steps (null: none).</summary>
    public static string? Knob(this EditMethod m) => m switch
    {
        EditMethod.GlobalDirection or EditMethod.InterFaceGan or EditMethod.PrincipalDirections => "α",
        EditMethod.Mapper => "strength",
        EditMethod.Optimisation or EditMethod.TediGan => "steps",
        _ => null,
    };

    /// <summary>A verb, a title or an old spelling ("optimize", "opt") → the method; a clear error otherwise.</summary>
    public static EditMethod Parse(string text)
    {
        string t = text.Trim();
        foreach (var m in All)
            if (string.Equals(t, m.Verb(), StringComparison.OrdinalIgnoreCase) || string.Equals(t, m.Title(), StringComparison.OrdinalIgnoreCase)
                || string.Equals(t, m.ToString(), StringComparison.OrdinalIgnoreCase))
                return m;
        if (t.ToLowerInvariant() is "optimize" or "opt") return EditMethod.Optimisation;
        throw new ArgumentException($"unknown method '{text}' ({string.Join(", ", All.Select(m => m.Verb()))})");
    }
}

/// <summary>How text → face finds its start: the best of several random starts by the text score, then CLIP-guided
/// optimisation (TediGAN-style), or the pack's text→W prior on the coarse rows (then optional refinement), or the
/// pack's SSA-GAN in one pass (its own generator: no StyleGAN latent, no refinement).</summary>
public enum TextToFaceMethod { Optimise, Prior, SsaGan, Attributes }

public static class TextToFaceMethods
{
    public static string Verb(this TextToFaceMethod m) => m switch
    {
        TextToFaceMethod.Prior => "prior", TextToFaceMethod.SsaGan => "ssagan", TextToFaceMethod.Attributes => "attributes", _ => "optimise",
    };

    /// <summary>"optimise" (or "optimize", "opt"), "prior", "ssagan" or "attributes" → the method; a clear error otherwise.</summary>
    public static TextToFaceMethod Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "optimise" or "optimize" or "opt" => TextToFaceMethod.Optimise,
        "prior" => TextToFaceMethod.Prior,
        "ssagan" or "ssa-gan" => TextToFaceMethod.SsaGan,
        "attributes" or "attrs" => TextToFaceMethod.Attributes,
        _ => throw new ArgumentException($"unknown text → face method '{text}' (optimise, prior, ssagan or attributes)"),
    };
}
