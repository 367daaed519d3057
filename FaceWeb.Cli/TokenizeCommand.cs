using System.ComponentModel;
using System.Text.Json;
using FaceWeb.Engine.TextImage;
using Spectre.Console.Cli;

namespace FaceWeb.Cli;

/// <summary>faceweb tokenize --vocab FILE TEXT... — one JSON array of 77 CLIP token ids per text.</summary>
public sealed class TokenizeCommand : Command<TokenizeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--vocab <FILE>"), Description("bpe_simple_vocab_16e6.txt.gz")] public string Vocab { get; init; } = "";
        [CommandArgument(0, "<TEXT>")] public string[] Texts { get; init; } = [];

        public override Spectre.Console.ValidationResult Validate() =>
            Vocab == "" ? Spectre.Console.ValidationResult.Error("--vocab is required") : Spectre.Console.ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var tok = ClipTokenizer.Load(s.Vocab);
        foreach (var text in s.Texts) Console.WriteLine(JsonSerializer.Serialize(tok.Tokenize(text)));
        return 0;
    }
}
