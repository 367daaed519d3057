using FaceWeb.Engine.FaceApi;
using System.ComponentModel;
using System.Text.Json;
using FaceWeb.Engine;
using FaceWeb.Engine.Generators;
using FaceWeb.Engine.Inversion;
using Spectre.Console.Cli;

namespace FaceWeb.Cli;

/// <summary>faceweb align IMG --out PNG [--pack DIR | --size N --framing ffhq|utkface] [--face K]: detect, landmark and align a face.</summary>
public sealed class AlignCommand : Command<AlignCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<IMAGE>"), Description("a photo: PNG, JPEG or WebP")] public string Image { get; init; } = "";
        [CommandOption("--out <PNG>")] public string Out { get; init; } = "";
        [CommandOption("--pack <DIR>"), Description("align to this pack's framing and resolution")] public string? Pack { get; init; }
        [CommandOption("--size <N>"), Description("output size without --pack"), DefaultValue(256)] public int Size { get; init; } = 256;
        [CommandOption("--framing <F>"), Description("ffhq or utkface, without --pack"), DefaultValue("ffhq")] public string Framing { get; init; } = "ffhq";
        [CommandOption("--face <K>"), Description("which face when there are several (0 = the largest)"), DefaultValue(0)] public int Face { get; init; }

        public override Spectre.Console.ValidationResult Validate() =>
            Out == "" ? Spectre.Console.ValidationResult.Error("--out is required")
            : Size is < 16 or > 2048 ? Spectre.Console.ValidationResult.Error("--size must be 16–2048")
            : Face < 0 ? Spectre.Console.ValidationResult.Error("--face must be ≥ 0")
            : Spectre.Console.ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        int size = s.Size;
        var framing = Enum.TryParse<FaceFraming>(s.Framing, ignoreCase: true, out var f) ? f : throw new ArgumentException($"--framing '{s.Framing}' is not ffhq or utkface");
        if (s.Pack is not null)
        {
            using var engine = FaceEngine.FromPack(s.Pack);
            (size, framing) = (engine.Generator.Config.Size, engine.Pack.Framing);
        }
        var (face, all) = CliFaces.AlignOne(s.Image, size, framing, s.Face);
        using (face)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(s.Out))!);
            File.WriteAllBytes(s.Out, ImageTensors.ToPng(face.Image));
        }
        Console.WriteLine(JsonSerializer.Serialize(new { faces = all, chosen = s.Face, framing = framing.ToString().ToLowerInvariant(), size, @out = s.Out }));
        return 0;
    }
}

static class CliFaces
{
    /// <summary>The <paramref name="index"/>-th largest face of a photo, aligned; a clear error for no face or a bad index.</summary>
    public static (AlignedFace Face, object[] All) AlignOne(string image, int size, FaceFraming framing, int index)
    {
        if (!File.Exists(image)) throw new ArgumentException($"{image}: file not found");
        using var aligner = FaceAligner.Load(FaceApiModels.Directory());
        using var photo = ImageUpload.DecodeRgb255(File.ReadAllBytes(image));
        var face = aligner.AlignOne(photo, size, framing, index, out var found);
        if (found.Count == 0) throw new ArgumentException($"{image}: no face found");
        if (face is null) throw new ArgumentException($"{image}: --face {index}, but only {found.Count} face(s) were found");
        var all = found.Select((b, i) => (object)new { face = i, x = Math.Round(b.X), y = Math.Round(b.Y), width = Math.Round(b.Width), height = Math.Round(b.Height), score = Math.Round(b.Score, 3) }).ToArray();
        return (face, all);
    }
}
