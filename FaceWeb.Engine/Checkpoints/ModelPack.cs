// A model pack: a folder with manifest.json (kind, config, files with SHA-256) — docs/model-packs.md.
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FaceWeb.Engine.Checkpoints;

public sealed record PackFile(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("bytes")] long? Bytes = null);

public sealed record PackManifest(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("files")] IReadOnlyList<PackFile> Files,
    [property: JsonPropertyName("version")] int Version = 1,
    [property: JsonPropertyName("description")] string? Description = null,
    [property: JsonPropertyName("trained")] bool Trained = true,
    [property: JsonPropertyName("config")] JsonElement? Config = null);

public sealed class ModelPack
{
    public const string ManifestName = "manifest.json";

    public string Directory { get; }
    public PackManifest Manifest { get; }

    ModelPack(string directory, PackManifest manifest) => (Directory, Manifest) = (directory, manifest);

    /// <summary>Reads the manifest and verifies every listed file (exists, size, SHA-256).</summary>
    public static ModelPack Load(string directory) => Load(directory, except: null);

    /// <param name="except">a pack-relative path not to verify (the file a job is replacing).</param>
    static ModelPack Load(string directory, string? except)
    {
        string manifestPath = Path.Combine(directory, ManifestName);
        if (!File.Exists(manifestPath)) throw new CheckpointException($"{directory}: not a model pack (no {ManifestName}).");
        PackManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<PackManifest>(File.ReadAllText(manifestPath))
                       ?? throw new JsonException("empty manifest");
        }
        catch (JsonException e) { throw new CheckpointException($"{manifestPath}: invalid manifest ({e.Message}).", e); }
        if (string.IsNullOrWhiteSpace(manifest.Kind) || manifest.Files is null || manifest.Files.Count == 0)
            throw new CheckpointException($"{manifestPath}: the manifest needs a kind and at least one file.");
        var pack = new ModelPack(directory, manifest);
        foreach (var f in manifest.Files.Where(f => f.Path != except)) pack.Verify(f);
        return pack;
    }

    public string PathOf(string role)
    {
        var f = Manifest.Files.FirstOrDefault(x => x.Role == role)
                ?? throw new CheckpointException($"{Directory}: the pack has no '{role}' file.");
        return FullPath(f);
    }

    string FullPath(PackFile f)
    {
        string full = Path.GetFullPath(Path.Combine(Directory, f.Path));
        if (!full.StartsWith(Path.GetFullPath(Directory), StringComparison.Ordinal))
            throw new CheckpointException($"{Directory}: file path '{f.Path}' leaves the pack folder.");
        return full;
    }

    void Verify(PackFile f)
    {
        string full = FullPath(f);
        if (!File.Exists(full)) throw new CheckpointException($"{Directory}: '{f.Path}' is listed in the manifest but missing.");
        if (f.Bytes is { } n && new FileInfo(full).Length != n)
            throw new CheckpointException($"{Directory}: '{f.Path}' has {new FileInfo(full).Length} bytes, the manifest says {n}.");
        string actual = Sha256Of(full);
        if (!actual.Equals(f.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new CheckpointException($"{Directory}: SHA-256 of '{f.Path}' is {actual}, the manifest says {f.Sha256}.");
    }

    public static string Sha256Of(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }

    /// <summary>Adds (or replaces) the file for <paramref name="role"/> in an existing pack's manifest, hashing it. Every other
    /// listed file is still verified: a rewritten file (a retrained mapper) is fine, a damaged neighbour is not.</summary>
    public static void AddFile(string directory, string role, string relativePath)
    {
        var pack = Load(directory, except: relativePath);
        var files = pack.Manifest.Files.Where(f => f.Role != role)
            .Select(f => (f.Role, f.Path)).Append((role, relativePath)).ToList();
        var m = pack.Manifest;
        WriteManifest(directory, m.Name, m.Kind, m.Trained, m.Description ?? "", files, m.Config);
    }

    /// <summary>A file-name-safe form of a prompt or attribute: lower case, letters and digits, at most 40 characters.</summary>
    public static string Slug(string text)
    {
        string slug = new string(text.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        return slug.Length > 40 ? slug[..40] : slug;
    }

    /// <summary>The slider directions of the pack: every <c>boundary:NAME</c> file, by name.</summary>
    public IEnumerable<(string Name, string Path)> Boundaries() => Manifest.Files
        .Where(f => f.Role.StartsWith(BoundaryRole, StringComparison.Ordinal))
        .Select(f => (f.Role[BoundaryRole.Length..], PathOf(f.Role)));

    /// <summary>The roles a pack's files play (manifest "role"); BoundaryRole and MapperRole are prefixes of a name.</summary>
    public const string GeneratorRole = "generator", BoundaryRole = "boundary:", MapperRole = "mapper:", PriorRole = "prior:text-to-w",
        FaceClipRole = "faceclip:image", AttributesRole = "attributes", EncoderRole = "encoder", StatsRole = "stylespace-stats", Fs3Role = "fs3",
        SsaGanRole = "ssagan", SketchEncoderRole = "sketch-encoder";

    /// <summary>Writes a manifest for files already in <paramref name="directory"/>, hashing each.</summary>
    public static PackManifest WriteManifest(string directory, string name, string kind, bool trained, string description,
        IEnumerable<(string Role, string Path)> files, JsonElement? config = null)
    {
        var list = files.Select(f =>
        {
            string full = Path.Combine(directory, f.Path);
            return new PackFile(f.Role, f.Path, Sha256Of(full), new FileInfo(full).Length);
        }).ToList();
        var manifest = new PackManifest(name, kind, list, 1, description, trained, config);
        File.WriteAllText(Path.Combine(directory, ManifestName),
            JsonSerializer.Serialize(manifest, new JsonSerializerOptions { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        return manifest;
    }
}
