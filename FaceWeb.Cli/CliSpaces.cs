using System.ComponentModel;
using System.Globalization;
using FaceWeb.Engine;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators;
using FaceWeb.Engine.Identity;
using FaceWeb.Engine.Inversion;
using FaceWeb.Engine.TextImage;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FaceWeb.Cli;

static class CliSpaces
{
    /// <summary>--clip/--vocab, else the pack's FaceCLIP-mini; a clear error when there is neither.</summary>
    public static ITextImageSpace Open(string? clip, string? vocab, string? pack) => TextImageSpaces.Open(clip, vocab, pack)
        ?? throw new ArgumentException("this command needs a text–image space: --clip CKPT --vocab FILE, or a pack with FaceCLIP-mini (faceweb train faceclip)");
}

sealed class Ticks(Action<double> report) : IProgress<double>
{
    public void Report(double value) => report(value);
}
