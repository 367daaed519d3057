using FaceWeb.Engine.TextImage;

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
