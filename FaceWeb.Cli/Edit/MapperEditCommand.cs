using System.ComponentModel;
using System.Globalization;
using FaceWeb.Engine.Editing;
using Spectre.Console.Cli;

namespace FaceWeb.Cli;

/// <summary>faceweb edit mapper (--pack DIR | --checkpoint CKPT) --mapper FILE|TEXT --strength 0:1:3 --out DIR</summary>
public sealed class MapperEditCommand : OnePassEditCommand<MapperEditCommand.Settings>
{
    public sealed class Settings : EditSettings
    {
        [CommandOption("--mapper <FILE|TEXT>"), Description("a mapper checkpoint, or the text of a mapper in the pack")] public string Mapper { get; init; } = "";
        [CommandOption("--strength <RANGE>"), DefaultValue("0:1:3")] public string Strength { get; init; } = "0:1:3";

        public override Spectre.Console.ValidationResult Validate() =>
            Mapper.Trim() == "" ? Spectre.Console.ValidationResult.Error("--mapper FILE is required") : base.Validate();
    }

    protected override IEnumerable<(string, EditRequest)> Requests(Settings s, PackEditor editor)
    {
        if (File.Exists(s.Mapper)) editor.AddMapper(s.Mapper, s.Mapper);
        return EditSettings.Range(s.Strength, "--strength")
            .Select(k => ($"strength{k.ToString("0.00", CultureInfo.InvariantCulture)}", (EditRequest)new MapperEdit(s.Mapper, k))).ToList();
    }
}
