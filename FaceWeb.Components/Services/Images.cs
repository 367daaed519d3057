namespace FaceWeb.Components.Services;

/// <summary>How the pages show and offer the engine's PNGs.</summary>
public static class Images
{
    public static string DataUrl(byte[] png) => "data:image/png;base64," + Convert.ToBase64String(png);
}
