using System.ComponentModel;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Inversion;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FaceWeb.Cli;

/// <summary>faceweb edit optimise --pack DIR --target "…" [--steps 300] [--l2 0.008] [--identity CKPT --id-lambda 0.1]
/// [--encoder CKPT] [--domain-lambda λ] --out DIR: StyleCLIP latent optimisation as the Edit page runs it
/// (<see cref="PackEditor.EditOptimisation"/>); the start and four frames as PNGs.</summary>
public sealed class OptimiseEditCommand : Command<OptimiseEditCommand.Settings>
{
    public sealed class Settings : EditSettings
    {
        [CommandOption("--target <TEXT>")] public string Target { get; init; } = "";
        [CommandOption("--steps <N>"), DefaultValue(300)] public int Steps { get; init; } = 300;
        [CommandOption("--l2 <LAMBDA>"), DefaultValue(0.008)] public double L2 { get; init; } = 0.008;
        [CommandOption("--identity <CKPT>"), Description("ArcFace IR-SE50 (model_ir_se50.pth) or faceapi, for the identity loss")] public string? Identity { get; init; }
        [CommandOption("--id-lambda <LAMBDA>"), Description("λ_ID (needs --identity)"), DefaultValue(0.0)] public double IdLambda { get; init; }
        [CommandOption("--encoder <CKPT>"), Description("an e4e encoder for the in-domain regulariser (TediGAN) instead of the pack's")] public string? Encoder { get; init; }
        [CommandOption("--domain-lambda <LAMBDA>"), Description("λ_domain · mean((w − E(G(w)))²), moving one offset in W (default: 2 with the pack's encoder or --encoder, as the Edit page; 0: the paper's plain optimisation of every W+ row)")] public double? DomainLambda { get; init; }

        public override Spectre.Console.ValidationResult Validate() =>
            Target.Trim() == "" ? Spectre.Console.ValidationResult.Error("--target is required") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        using var engine = s.OpenEngine();
        using var editor = s.OpenEditor(engine, identity: s.Identity);
        EditSettings.RequireSpace(editor);
        using var encoder = s.Encoder is null ? null : Encoder4Editing.Load(s.Encoder);
        using var start = editor.SeedStart(s.Seed, s.Truncation);
        var images = new List<Tensor>(); var names = new List<string>();
        using (var source = editor.Render(start)) { images.Add(source.Image.clone()); names.Add("step0000"); }
        var request = editor.EditOptimisation(s.Target, s.Steps, s.L2, s.IdLambda, frames: 4, domain: s.DomainLambda, encoder: encoder);
        CliApp.Progress($"optimising {s.Steps} steps", s.Steps, tick =>
        {
            foreach (var f in editor.Optimise(start, request, ct))
            {
                tick();
                if (f is null) continue;
                f.Latent?.Dispose();
                images.Add(f.Image); names.Add($"step{(int)Math.Round(f.Progress * s.Steps):D4}");
            }
        });
        EditSettings.WriteStrip(s.Out, images, names);
        Console.WriteLine($"wrote {images.Count} images and grid.png to {s.Out}");
        foreach (var t in images) t.Dispose();
        return 0;
    }
}
