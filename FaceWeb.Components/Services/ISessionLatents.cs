namespace FaceWeb.Components.Services;

/// <summary>A latent this session made (a text → face result, a sketch → face result …) that any edit can start from.</summary>
/// <param name="Origin">The review-room node it was continued from, if any: results made from it are posted under that node.</param>
public sealed record SessionLatent(string Id, string Label, byte[] Thumbnail, long? Origin = null)
{
    public string DataUrl => Images.DataUrl(Thumbnail);
}

/// <summary>The browser session's state: its latents, the Edit page's history and start. One store per circuit, so it
/// follows the user from page to page; the host keeps it server-side, so a reload or a server restart finds it again.</summary>
public interface ISessionLatents
{
    /// <summary>Newest first.</summary>
    IReadOnlyList<SessionLatent> Items { get; }
    event Action? Changed;

    /// <summary>The Edit page's kept results, newest first.</summary>
    IReadOnlyList<EditFrame> History { get; }
    void Record(EditFrame frame);

    /// <summary>Where the Edit page starts: a seed, or one of <see cref="Items"/>.</summary>
    (long Seed, string? Latent) Start { get; }
    void SetStart(long seed, string? latent);

    /// <summary>ψ for every seed the session starts from (Edit, sliders, Create, Compare), as last chosen on Generate.</summary>
    double Truncation { get; }
    void SetTruncation(double psi);

    /// <summary>Why this session will not survive a reload (the store is unavailable), or null.</summary>
    string? NotKept { get; }
}
