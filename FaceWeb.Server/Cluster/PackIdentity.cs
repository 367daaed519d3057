using System.Security.Cryptography;
using FaceWeb.Engine.Checkpoints;

namespace FaceWeb.Server.Cluster;

/// <summary>A model pack's identity across servers: the SHA-256 of its manifest (which holds every file's SHA-256), so two
/// silos with the same hash run the same weights whatever their folders are called.</summary>
public static class PackIdentity
{
    public const string Placeholder = "placeholder";

    /// <summary>The first 16 hex digits of the manifest's SHA-256, or <see cref="Placeholder"/> for no pack.</summary>
    public static string Of(string? packDirectory)
    {
        if (packDirectory is null) return Placeholder;
        string manifest = Path.Combine(packDirectory, ModelPack.ManifestName);
        return File.Exists(manifest) ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(manifest)))[..16] : Placeholder;
    }
}
