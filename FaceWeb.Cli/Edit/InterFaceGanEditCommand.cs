using System.ComponentModel;
using FaceWeb.Engine.Editing;
using Spectre.Console.Cli;

namespace FaceWeb.Cli;

/// <summary>faceweb edit interfacegan --pack DIR --attribute NAME [--condition NAME] [--layers coarse,middle] --alpha -3:3:7 --out DIR</summary>
public sealed class InterFaceGanEditCommand : OnePassEditCommand<InterFaceGanEditCommand.Settings>
{
    public sealed class Settings : EditSettings
    {
        [CommandOption("--attribute <NAME>"), Description("a boundary in the pack (boundary:NAME)")] public string Attribute { get; init; } = "";
        [CommandOption("--condition <NAME>"), Description("keep these attributes fixed")] public string[] Conditions { get; init; } = [];
        [CommandOption("--layers <GROUPS>"), Description("coarse, middle, fine or all (comma-separated)"), DefaultValue("all")] public string Layers { get; init; } = "all";
        [CommandOption("--alpha <RANGE>"), DefaultValue("0:4:5")] public string Alpha { get; init; } = "0:4:5";

        public override Spectre.Console.ValidationResult Validate() =>
            Attribute.Trim() == "" ? Spectre.Console.ValidationResult.Error("--attribute is required")
            : Pack is null ? Spectre.Console.ValidationResult.Error("InterFaceGAN boundaries live in a pack (--pack)")
            : base.Validate();
    }

    protected override IEnumerable<(string, EditRequest)> Requests(Settings s, PackEditor editor)
    {
        var rows = EditSettings.ParseLayers(s.Layers);
        editor.Slider(s.Attribute);                               // a clear error now for an attribute the pack lacks
        return EditSettings.Range(s.Alpha, "--alpha")
            .Select(a => (Signed("alpha", a), (EditRequest)new SliderEdit([(s.Attribute, a)], s.Conditions, rows, s.Seed, s.Truncation))).ToList();
    }
}
