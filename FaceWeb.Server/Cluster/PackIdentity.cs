using FaceWeb.Engine.Checkpoints;

namespace FaceWeb.Server.Cluster;

/// <summary>A model pack's identity across servers: the SHA-256 of its manifest (which holds every file's SHA-256), as the
/// engine records it for room nodes, so two silos with the same hash run the same weights whatever their folders are called.</summary>
public static class PackIdentity
{
    public const string Placeholder = "placeholder";

    /// <summary>The first 16 hex digits of the manifest's SHA-256, or <see cref="Placeholder"/> for no pack.</summary>
    public static string Of(string? packDirectory)
    {
        string? manifest = packDirectory is null ? null : Path.Combine(packDirectory, ModelPack.ManifestName);
        return manifest is not null && File.Exists(manifest) ? ModelPack.Sha256Of(manifest)[..16] : Placeholder;
    }
}
