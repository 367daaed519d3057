using TorchSharp;
using System.ComponentModel;
using FaceWeb.Engine;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Generators.SsaGan;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FaceWeb.Cli;

/// <summary>faceweb render-ssagan --checkpoint NETG --input IN --out OUT.safetensors [--seed S]: SSA-GAN images (and
/// every stage's fusion mask) from sentence vectors, as `render` does for StyleGAN2.</summary>
public sealed class RenderSsaGanCommand : Command<RenderSsaGanCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--checkpoint <CKPT>"), Description("a model.py NetG state dict (.pth) or FaceWeb's SSA-GAN (netG.* keys)")]
        public string Checkpoint { get; init; } = "";
        [CommandOption("--input <IN>"), Description(".safetensors or .pth holding sent [N,S] (sentence vectors) and optionally noise [N,nz]")]
        public string Input { get; init; } = "";
        [CommandOption("--out <OUT>"), Description("safetensors to write: image [N,3,H,W] and mask_R [N,1,R,R] for each stage")]
        public string Out { get; init; } = "";
        [CommandOption("--seed <S>"), DefaultValue(0L), Description("noise row i comes from seed S+i when the input has no noise")]
        public long Seed { get; init; }
        [CommandOption("--device <DEVICE>"), Description("auto (default), cpu, cuda or cuda:N")]
        public string? Device { get; init; }

        public override Spectre.Console.ValidationResult Validate() =>
            Checkpoint == "" || Input == "" || Out == "" ? Spectre.Console.ValidationResult.Error("--checkpoint, --input and --out are required")
            : Spectre.Console.ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var device = CliApp.Device(s.Device);
        using var sd = CheckpointReader.Load(s.Checkpoint);
        using var g = NetG.FromStateDict(sd, sd.Contains("netG.fc.weight") ? "netG" : "");
        g.to(device);
        using var input = CheckpointReader.Load(s.Input);
        if (!input.Contains("sent")) throw new ArgumentException($"{s.Input}: no tensor named 'sent' (sentence vectors [N,{g.Config.SentenceDim}])");
        var sent = input["sent"].to(float32).to(device);
        long n = sent.shape[0];
        var noise = input.Contains("noise") ? input["noise"].to(float32).to(device)
            : cat(Enumerable.Range(0, (int)n).Select(i => EngineDevice.SeededNormal([1, g.Config.NoiseDim], new Generator((ulong)(s.Seed + i)), device)).ToList(), 0);
        using var _ = no_grad();
        using var output = g.Forward(noise, sent);
        var tensors = new Dictionary<string, Tensor> { ["image"] = output.Image.cpu() };
        foreach (var m in output.Masks) tensors[$"mask_{m.shape[2]}"] = m.cpu();
        SafeTensors.Save(s.Out, tensors, new Dictionary<string, string> { ["kind"] = "ssagan-render", ["noise"] = input.Contains("noise") ? "input" : $"seeds {s.Seed}.." });
        Console.WriteLine($"wrote image [{string.Join(",", output.Image.shape)}] and {output.Masks.Count} masks to {s.Out}");
        return 0;
    }
}
