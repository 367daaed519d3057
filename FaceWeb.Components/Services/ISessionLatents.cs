namespace FaceWeb.Components.Services;

/// <summary>A latent this session made (a text → face result, a sketch → face result …) that any edit can start from.</summary>
public sealed record SessionLatent(string Id, string Label, byte[] Thumbnail)
{
    public string DataUrl => "data:image/png;base64," + Convert.ToBase64String(Thumbnail);
}

/// <summary>The session's latents (one store per circuit, so they follow the user from page to page).</summary>
public interface ISessionLatents
{
    IReadOnlyList<SessionLatent> Items { get; }
    event Action? Changed;
}
