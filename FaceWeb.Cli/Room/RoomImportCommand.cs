using System.ComponentModel;
using Spectre.Console.Cli;

namespace FaceWeb.Cli;

/// <summary>faceweb room import FILE.zip: a new room with the archive's tree, comments and verdicts (checked whole before
/// anything is written); prints the owner's link path, the only way into the new room.</summary>
public sealed class RoomImportCommand : Command<RoomImportCommand.Settings>
{
    public sealed class Settings : RoomSettings
    {
        [CommandArgument(0, "<ZIP>"), Description("a room exported from FaceWeb")] public string Zip { get; init; } = "";
        [CommandOption("--owner <NAME>"), Description("the new room's owner display name"), DefaultValue("operator")] public string Owner { get; init; } = "operator";
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        using var file = File.OpenRead(s.Zip);
        var (_, archive) = s.OpenAsync(ct, create: true).GetAwaiter().GetResult();
        string token = archive.ImportAsync(file, s.Owner, ct).GetAwaiter().GetResult();
        Console.WriteLine($"/room/{token}");
        return 0;
    }
}
