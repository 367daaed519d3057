using System.ComponentModel;
using System.Text.Json;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators;
using FaceWeb.Engine.Identity;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FaceWeb.Cli;

/// <summary>faceweb invert IMG --pack DIR [--encoder e4e.pt] [--refine STEPS] [--identity ARCFACE] [$C] --out latent.safetensors</summary>
public sealed class InvertCommand : Command<InvertCommand.Settings>
{
    public sealed class Settings : EditSettings
    {
        [CommandArgument(0, "<IMAGE>"), Description("a face photo: PNG, JPEG or WebP")] public string Image { get; init; } = "";
        [CommandOption("--no-align"), Description("use the centre square as it is (the photo is already aligned)")] public bool NoAlign { get; init; }
        [CommandOption("--face <K>"), Description("which face when there are several (0 = the largest)"), DefaultValue(0)] public int Face { get; init; }
        [CommandOption("--encoder <CKPT>"), Description("e4e encoder whose W+ starts the refinement (else the mean latent)")] public string? Encoder { get; init; }
        [CommandOption("--refine <STEPS>"), Description("projection steps (0 = encoder only)"), DefaultValue(200)] public int Refine { get; init; } = 200;
        [CommandOption("--identity <CKPT>"), Description("ArcFace IR-SE50 (model_ir_se50.pth) or faceapi, for the identity term and the similarity report")] public string? Identity { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        if (!File.Exists(s.Image)) throw new ArgumentException($"{s.Image}: file not found");
        using var engine = s.OpenEngine();
        var g = engine.Generator;
        Tensor target;
        if (s.NoAlign) target = Engine.Inversion.ImageUpload.Decode(File.ReadAllBytes(s.Image), g.Config.Size);
        else
        {
            var (face, _) = CliFaces.AlignOne(s.Image, g.Config.Size, engine.Pack.Framing, s.Face);
            target = face.Image;
        }
        using var _t = target;
        using var identity = s.Identity is null ? null : IdentityModels.Open(s.Identity);
        using var space = s.Clip is null ? null : s.OpenSpace();
        using var encoder = s.Encoder is null ? null : Engine.Inversion.Encoder4Editing.Load(s.Encoder);
        if (encoder is null && s.Refine == 0 && s.Pack is null) throw new ArgumentException("--refine 0 needs --encoder (or a pack with its own encoder)");
        using var packEncoder = encoder is null && s.Pack is not null && ModelPack.Load(s.Pack).Manifest.Files.Any(f => f.Role == ModelPack.EncoderRole)
            ? Engine.Inversion.PackEncoder.Load(ModelPack.Load(s.Pack).PathOf(ModelPack.EncoderRole)) : null;
        Tensor start;
        using (no_grad())
            start = packEncoder is not null ? packEncoder.Invert(target)
                : encoder is null ? TediGan.MeanStart(g)
                : encoder.Invert(g.Config.Size == 256 ? target : nn.functional.interpolate(target, [256, 256], mode: InterpolationMode.Bilinear, align_corners: false));
        var latent = start;
        if (s.Refine > 0)
        {
            CliApp.Progress($"projecting ({s.Refine} steps)", s.Refine, tick =>
            {
                foreach (var f in Engine.Inversion.Projector.Run(g, target, start, new Engine.Inversion.ProjectionOptions(s.Refine, FrameEvery: s.Refine), identity, space, ct))
                {
                    tick();
                    if (f.Latent is not null) { latent = f.Latent; f.Image?.Dispose(); }
                }
            });
        }
        using var _ = no_grad();
        using var image = g.Synthesize(latent);
        string outFile = s.Out.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? s.Out : Path.Combine(s.Out, "latent.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
        SafeTensors.Save(outFile, new Dictionary<string, Tensor> { ["wplus"] = latent });
        File.WriteAllBytes(Path.ChangeExtension(outFile, ".png"), ImageTensors.ToPng(image));
        double pixel = (image.clamp(-1, 1) - target).abs().mean().item<float>() / 2;
        double? id = identity?.Similarity(image, target).item<float>();
        Console.WriteLine(JsonSerializer.Serialize(new { wplus = outFile, pixel_distance = Math.Round(pixel, 4), identity = id is null ? (double?)null : Math.Round(id.Value, 4), steps = s.Refine, encoder = s.Encoder is not null }));
        return 0;
    }
}
