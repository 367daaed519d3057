using FaceWeb.Engine.Checkpoints;

namespace FaceWeb.Server;

/// <summary>Where the app keeps what users make for a pack (learned sliders, trained mappers, precomputed global
/// directions): a folder of its own under the data folder, <c>packs/NAME-HASH</c>, with a manifest in the pack format.
/// The shipped pack is never written: its manifest is verified at start and its files keep their SHA-256. The
/// overlay belongs to one exact shipped manifest (HASH is its SHA-256), adds roles the pack lacks and never
/// replaces one it has, and is capped in size (<c>FaceWeb:OverlayMegabytes</c>).</summary>
public sealed class PackOverlay
{
    readonly object gate = new();
    readonly long maxBytes;
    readonly HashSet<string> shippedRoles;

    public string Directory { get; }

    PackOverlay(string directory, IEnumerable<string> shippedRoles, long maxBytes) =>
        (Directory, this.shippedRoles, this.maxBytes) = (directory, [.. shippedRoles], maxBytes);

    /// <summary>The overlay of the pack in <paramref name="packDir"/> under <paramref name="dataDir"/>.</summary>
    public static PackOverlay For(string packDir, string dataDir, long maxBytes)
    {
        var pack = ModelPack.Load(packDir);
        string hash = ModelPack.Sha256Of(Path.Combine(packDir, ModelPack.ManifestName))[..12];
        string dir = Path.Combine(dataDir, "packs", $"{ModelPack.Slug(pack.Manifest.Name)}-{hash}");
        return new PackOverlay(dir, pack.Manifest.Files.Select(f => f.Role), maxBytes);
    }

    /// <summary>The overlay's files by role (verified), or none yet. A damaged overlay is a <see cref="CheckpointException"/>.</summary>
    public IReadOnlyDictionary<string, string> Roles()
    {
        lock (gate)
        {
            if (!File.Exists(Path.Combine(Directory, ModelPack.ManifestName))) return new Dictionary<string, string>();
            var overlay = ModelPack.Load(Directory);
            return overlay.Manifest.Files.Where(f => !shippedRoles.Contains(f.Role)).ToDictionary(f => f.Role, f => overlay.PathOf(f.Role));
        }
    }

    public bool Ships(string role) => shippedRoles.Contains(role);

    public long Bytes()
    {
        lock (gate)
            return System.IO.Directory.Exists(Directory) ? new DirectoryInfo(Directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;
    }

    /// <summary>Refuses new work when the overlay is full.</summary>
    public void EnsureRoom()
    {
        long used = Bytes();
        if (used >= maxBytes)
            throw new InvalidOperationException($"This server's store of learned sliders and mappers is full ({used / 1_000_000.0:0.0} of {maxBytes / 1_000_000.0:0} MB); ask its operator to raise FaceWeb:OverlayMegabytes.");
    }

    /// <summary>A path in the overlay for a new file (the name is the app's, e.g. from <see cref="ModelPack.Slug"/>).</summary>
    public string PathFor(string fileName)
    {
        if (fileName != Path.GetFileName(fileName) || fileName.StartsWith('.')) throw new ArgumentException("not a plain file name", nameof(fileName));
        System.IO.Directory.CreateDirectory(Directory);
        return Path.Combine(Directory, fileName);
    }

    /// <summary>Lists a file written with <see cref="PathFor"/> under <paramref name="role"/> in the overlay's manifest.</summary>
    public void Add(string role, string fileName)
    {
        if (shippedRoles.Contains(role)) throw new InvalidOperationException($"'{role}' is part of the shipped pack and cannot be replaced.");
        lock (gate)
        {
            if (File.Exists(Path.Combine(Directory, ModelPack.ManifestName))) ModelPack.AddFile(Directory, role, fileName);
            else ModelPack.WriteManifest(Directory, "overlay", "overlay", trained: true, "made in the app", [(role, fileName)]);
        }
    }
}
