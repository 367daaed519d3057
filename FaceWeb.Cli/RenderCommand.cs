using System.ComponentModel;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Generators.StyleGan2;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FaceWeb.Cli;

/// <summary>faceweb render --checkpoint CKPT --input IN.safetensors --out OUT.safetensors [--truncation T] [--noise const|random|zero]</summary>
public sealed class RenderCommand : Command<RenderCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--checkpoint <CKPT>"), Description("rosinality .pt or safetensors with g_ema.* keys")]
        public string Checkpoint { get; init; } = "";
        [CommandOption("--input <IN>"), Description("safetensors holding z [N,D], w [N,D] or wplus [N,L,D] (float32)")]
        public string Input { get; init; } = "";
        [CommandOption("--out <OUT>"), Description("safetensors to write: image [N,3,H,W] float32")]
        public string Out { get; init; } = "";
        [CommandOption("--truncation <T>"), DefaultValue(1.0)]
        public double Truncation { get; init; } = 1.0;
        [CommandOption("--noise <MODE>"), DefaultValue("const"), Description("const (checkpoint buffers), random or zero")]
        public string Noise { get; init; } = "const";
        [CommandOption("--batch <N>"), DefaultValue(8)]
        public int Batch { get; init; } = 8;

        public override Spectre.Console.ValidationResult Validate()
        {
            if (Checkpoint == "" || Input == "" || Out == "") return Spectre.Console.ValidationResult.Error("--checkpoint, --input and --out are required");
            if (!double.IsFinite(Truncation)) return Spectre.Console.ValidationResult.Error("--truncation must be a finite number");
            if (Batch < 1) return Spectre.Console.ValidationResult.Error("--batch must be at least 1");
            return Spectre.Console.ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var noise = NoiseSpec.Parse(s.Noise);
        using var g = StyleGan2Generator.Load(s.Checkpoint);
        var inputs = SafeTensors.Load(s.Input);
        try
        {
            var (kind, latent) = LatentInput.Select(inputs, s.Input, g.Config);
            using var _ = no_grad();
            long n = latent.shape[0];
            var chunks = new List<Tensor>();
            CliApp.Progress("rendering", (int)((n + s.Batch - 1) / s.Batch), tick =>
            {
                for (long i = 0; i < n; i += s.Batch)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    var x = latent[TensorIndex.Slice(i, Math.Min(n, i + s.Batch))];
                    var wplus = kind switch
                    {
                        "z" => g.WPlusFromZ(x, s.Truncation),
                        "w" => g.Broadcast(g.Truncate(x, s.Truncation)),
                        _ => g.Truncate(x, s.Truncation),
                    };
                    chunks.Add(g.Synthesize(wplus, noise).MoveToOuterDisposeScope());
                    tick();
                }
            });
            using var image = cat(chunks, 0);
            SafeTensors.Save(s.Out, new Dictionary<string, Tensor> { ["image"] = image },
                new Dictionary<string, string> { ["input"] = kind, ["truncation"] = s.Truncation.ToString(System.Globalization.CultureInfo.InvariantCulture), ["noise"] = s.Noise });
            foreach (var c in chunks) c.Dispose();
            Console.WriteLine($"wrote image [{string.Join(",", image.shape)}] to {s.Out}");
            return 0;
        }
        finally
        {
            foreach (var t in inputs.Values) t.Dispose();
        }
    }
}
