namespace FaceWeb.Components.Services;

/// <summary>InterFaceGAN attribute sliders of the loaded pack (implemented by the host; one instance per circuit).
/// The catalog is shared: a slider learned by anyone appears for everyone through <see cref="Subscribe"/>.</summary>
public interface ISliderService
{
    Task<SliderCatalog> GetCatalogAsync(CancellationToken ct = default);

    /// <summary>Called (on any thread) with the new catalog whenever a slider is added; dispose to stop.</summary>
    IDisposable Subscribe(Action<SliderCatalog> changed);

    /// <summary>Renders the seed with every slider at its value. A newer call from the circuit replaces this one if it has not started (ADR 0005).</summary>
    Task<EditFrame> RenderAsync(SliderRequest request, CancellationToken ct = default);

    /// <summary>Learns a boundary for a typed attribute (sample, score, fit a linear SVM); streams progress and ends
    /// with the learned slider. Cancel the token to stop.</summary>
    IAsyncEnumerable<LearnProgress> LearnAsync(LearnSliderRequest request, CancellationToken ct = default);
}

/// <param name="Space">"W", "Z" (or "W+" for a per-layer direction).</param>
public sealed record SliderInfo(string Name, string Space, double? ValidationAccuracy);

/// <param name="LearnUnavailable">Why new sliders cannot be learned (no text–image space), when they cannot.</param>
/// <param name="Problems">Pack directions that could not be used, each with the reason.</param>
public sealed record SliderCatalog(IReadOnlyList<SliderInfo> Sliders, string? LearnUnavailable, IReadOnlyList<string> Problems)
{
    public bool CanLearn => LearnUnavailable is null;
}

/// <param name="Values">Slider name → α (distance along its normal); zero or absent sliders do nothing.</param>
/// <param name="KeepFixed">Attributes held constant by conditional projection (InterFaceGAN §2.2).</param>
/// <param name="Latent">A session latent to start from instead of the seed (W sliders only: Z sliders need a seed's z).</param>
/// <param name="Preview">While a slider moves: a progressive preview is enough (as <see cref="GenerateRequest.Preview"/>).</param>
public sealed record SliderRequest(long Seed, IReadOnlyDictionary<string, double> Values, IReadOnlyList<string> KeepFixed,
    bool Coarse = true, bool Middle = true, bool Fine = true, string? Latent = null, bool Preview = false);

/// <param name="KeepSkinTone">Keep the slider off the face's brightness (InterFaceGAN's conditional manipulation, as the
/// default pack's sliders are), so that moving it keeps the skin tone; leave it off for an attribute that is a colour.</param>
public sealed record LearnSliderRequest(string Attribute, int Samples = 2000, bool KeepSkinTone = true);

/// <param name="Learned">Set on the last item: the new slider.</param>
public sealed record LearnProgress(double Fraction, string Message, SliderInfo? Learned = null);
