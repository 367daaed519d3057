using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.TextImage;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FaceWeb.Cli;

/// <summary>faceweb clip --checkpoint CKPT --vocab FILE [--text T ...] [--image-tensors IN.safetensors] --out OUT.safetensors
/// Writes tokens (int64) and text_features for the texts, and image_features for IN's `image` [N,3,R,R] (already normalised).</summary>
public sealed class ClipCommand : Command<ClipCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--checkpoint <CKPT>")] public string Checkpoint { get; init; } = "";
        [CommandOption("--vocab <FILE>")] public string? Vocab { get; init; }
        [CommandOption("--text <TEXT>")] public string[] Texts { get; init; } = [];
        [CommandOption("--image-tensors <IN>")] public string? Images { get; init; }
        [CommandOption("--out <OUT>")] public string Out { get; init; } = "";

        public override Spectre.Console.ValidationResult Validate()
        {
            if (Checkpoint == "" || Out == "") return Spectre.Console.ValidationResult.Error("--checkpoint and --out are required");
            if (Texts.Length == 0 && Images is null) return Spectre.Console.ValidationResult.Error("give --text and/or --image-tensors");
            if (Texts.Length > 0 && Vocab is null) return Spectre.Console.ValidationResult.Error("--text needs --vocab");
            return Spectre.Console.ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        using var clip = Clip.Load(s.Checkpoint);
        var outputs = new Dictionary<string, Tensor>();
        using var _ = no_grad();
        if (s.Texts.Length > 0)
        {
            var tok = ClipTokenizer.Load(s.Vocab!);
            var tokens = tensor(s.Texts.SelectMany(tok.Tokenize).ToArray(), [s.Texts.Length, ClipTokenizer.ContextLength]);
            outputs["tokens"] = tokens;
            outputs["text_features"] = clip.EncodeText(tokens);
        }
        if (s.Images is not null)
        {
            using var sd = CheckpointReader.Load(s.Images);
            var image = sd["image"].to(float32);
            if (!image.isfinite().all().item<bool>()) throw new CheckpointException($"{s.Images}: 'image' contains NaN or infinite values.");
            outputs["image_features"] = clip.EncodeImage(image);
        }
        SafeTensors.Save(s.Out, outputs);
        Console.WriteLine($"wrote {string.Join(", ", outputs.Select(kv => $"{kv.Key} [{string.Join(",", kv.Value.shape)}]"))} to {s.Out}");
        return 0;
    }
}
