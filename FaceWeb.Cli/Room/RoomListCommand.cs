using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FaceWeb.Cli;

/// <summary>faceweb room list [--json]: every review room in the app's database, for the operator (ids and counts; links
/// are kept only as hashes, so no token is ever shown).</summary>
public sealed class RoomListCommand : Command<RoomListCommand.Settings>
{
    public sealed class Settings : RoomSettings
    {
        [CommandOption("--json"), Description("one JSON array instead of a table")] public bool Json { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        var (store, _) = s.OpenAsync(ct).GetAwaiter().GetResult();
        var rooms = store.ListAsync(ct).GetAwaiter().GetResult();
        if (s.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(rooms, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
            return 0;
        }
        var table = new Table().AddColumns("room id", "title", "owner", "created (UTC)", "nodes", "comments", "working links");
        foreach (var r in rooms)
            table.AddRow(new Text(r.Id.ToString()), new Text(r.Title), new Text(r.Owner), new Text(r.Created.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)),
                new Text($"{r.Nodes}"), new Text($"{r.Comments}"), new Text($"{r.WorkingLinks}"));
        AnsiConsole.Write(table);                                                   // titles and names are shown as text, never markup
        AnsiConsole.MarkupLine($"[grey]{rooms.Count} rooms[/]");
        return 0;
    }
}
