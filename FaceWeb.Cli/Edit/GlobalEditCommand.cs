using System.ComponentModel;
using FaceWeb.Engine.Editing;
using Spectre.Console.Cli;

namespace FaceWeb.Cli;

/// <summary>faceweb edit global --pack DIR --target "…" [--neutral "a face"] --alpha 0:4:5 --beta 0.1 --out DIR</summary>
public sealed class GlobalEditCommand : OnePassEditCommand<GlobalEditCommand.Settings>
{
    public sealed class Settings : EditSettings
    {
        [CommandOption("--neutral <TEXT>"), DefaultValue("a face")] public string Neutral { get; init; } = "a face";
        [CommandOption("--target <TEXT>")] public string Target { get; init; } = "";
        [CommandOption("--templates <SET>"), Description("prompt ensembling: faces (default), none, or a file with one {} template per line"), DefaultValue("faces")] public string Templates { get; init; } = "faces";
        [CommandOption("--alpha <RANGE>"), DefaultValue("0:4:5")] public string Alpha { get; init; } = "0:4:5";
        [CommandOption("--beta <B>"), Description("channels kept: relevance ≥ β (default: the Edit page's)"), DefaultValue(GlobalDirectionEdit.DefaultBeta)] public double Beta { get; init; } = GlobalDirectionEdit.DefaultBeta;

        public override Spectre.Console.ValidationResult Validate() =>
            Target.Trim() == "" ? Spectre.Console.ValidationResult.Error("--target is required") : base.Validate();
    }

    protected override string? Templates(Settings s) => s.Templates;

    protected override IEnumerable<(string, EditRequest)> Requests(Settings s, PackEditor editor)
    {
        EditSettings.RequireSpace(editor);
        if (!editor.HasGlobalDirections)
            throw new ArgumentException("global directions need a pack with stylespace statistics and fs3 (faceweb precompute stylespace|fs3 --pack DIR)");
        return EditSettings.Range(s.Alpha, "--alpha").Select(a => (Signed("alpha", a), (EditRequest)new GlobalDirectionEdit(s.Neutral, s.Target, a, s.Beta))).ToList();
    }
}
