using System.ComponentModel;
using FaceWeb.Server.Rooms;
using Spectre.Console.Cli;

namespace FaceWeb.Cli;

/// <summary>faceweb room export ROOM --out FILE.zip: the room's ZIP, the same as its page's Export ZIP. ROOM is a link (or its
/// token), or, for the operator, a room id from <c>faceweb room list</c>.</summary>
public sealed class RoomExportCommand : Command<RoomExportCommand.Settings>
{
    public sealed class Settings : RoomSettings
    {
        [CommandArgument(0, "<ROOM>"), Description("a room link (…/room/TOKEN), its token, or a room id")] public string Room { get; init; } = "";
        [CommandOption("--out <FILE>"), Description("where to write the ZIP")] public string Out { get; init; } = "";

        public override Spectre.Console.ValidationResult Validate() =>
            Out == "" ? Spectre.Console.ValidationResult.Error("--out is required") : Spectre.Console.ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        var (store, archive) = s.OpenAsync(ct).GetAwaiter().GetResult();
        byte[] zip;
        try
        {
            string room = s.Room.Trim().TrimEnd('/');
            var access = Guid.TryParse(room, out var id) ? store.OperatorAsync(id, ct).GetAwaiter().GetResult()
                : store.ResolveAsync(room[(room.LastIndexOf('/') + 1)..], ct).GetAwaiter().GetResult();
            zip = archive.ExportAsync(access, ct).GetAwaiter().GetResult();
        }
        catch (RoomNotFoundException e) { throw new ArgumentException(e.Message); }
        string dir = Path.GetDirectoryName(Path.GetFullPath(s.Out))!;
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(s.Out, zip);
        Console.WriteLine($"wrote {s.Out} ({zip.Length} bytes)");
        return 0;
    }
}
