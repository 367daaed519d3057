using System.ComponentModel;
using FaceWeb.Engine.Editing;
using Spectre.Console.Cli;

namespace FaceWeb.Cli;

/// <summary>faceweb edit ganspace (--pack DIR | --checkpoint CKPT) [--component K] [--layers coarse] --alpha -3:3:7 --out DIR:
/// GANSpace's principal directions of W (no labels, no text), α in standard deviations along direction K.</summary>
public sealed class GanSpaceEditCommand : OnePassEditCommand<GanSpaceEditCommand.Settings>
{
    public sealed class Settings : EditSettings
    {
        [CommandOption("--component <K>"), Description("which principal direction (0 varies most)"), DefaultValue(0)] public int Component { get; init; }
        [CommandOption("--layers <GROUPS>"), Description("coarse, middle, fine or all (comma-separated)"), DefaultValue("all")] public string Layers { get; init; } = "all";
        [CommandOption("--alpha <RANGE>"), Description("standard deviations along the direction"), DefaultValue("-3:3:7")] public string Alpha { get; init; } = "-3:3:7";
    }

    protected override IEnumerable<(string, EditRequest)> Requests(Settings s, PackEditor editor)
    {
        var rows = EditSettings.ParseLayers(s.Layers);
        return EditSettings.Range(s.Alpha, "--alpha").Select(a => (Signed("alpha", a), (EditRequest)new PrincipalEdit(s.Component, a, rows))).ToList();
    }
}
