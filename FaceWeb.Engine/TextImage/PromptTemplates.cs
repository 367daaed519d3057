// Prompt ensembling templates (CLIP §3.1.4; StyleCLIP's GetDt averages a prompt over templates). FaceWeb ships its own
// short, face-oriented set (ADR 0003); users who want StyleCLIP's 79 ImageNet templates pass them as a file.
namespace FaceWeb.Engine.TextImage;

public static class PromptTemplates
{
    /// <summary>FaceWeb's default set. Each "{}" takes a noun phrase with its own article ("a smiling face").</summary>
    public static IReadOnlyList<string> Faces { get; } =
    [
        "{}", "a photo of {}.", "a close-up photo of {}.", "a portrait photo of {}.", "a headshot of {}.",
        "a cropped photo of {}.", "a low-resolution photo of {}.", "a blurry photo of {}.", "a sharp photo of {}.",
        "a bright photo of {}.", "a dark photo of {}.", "a black and white photo of {}.", "a studio portrait of {}.",
        "a snapshot of {}.", "a picture showing {}.", "an image of {}.", "a face photo of {}.", "a passport photo of {}.",
    ];

    /// <summary>Just the prompt itself: no ensembling.</summary>
    public static IReadOnlyList<string> None { get; } = ["{}"];

    /// <summary>"faces" (the default set), "none", or a UTF-8 file with one template per line; blank lines and lines
    /// starting with # are skipped, and every other line must contain "{}".</summary>
    public static IReadOnlyList<string> Resolve(string? spec)
    {
        if (spec is null || spec == "faces") return Faces;
        if (spec == "none") return None;
        if (!File.Exists(spec)) throw new ArgumentException($"templates: '{spec}' is not 'faces', 'none' or an existing file");
        var lines = File.ReadAllLines(spec).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var bad = lines.FirstOrDefault(l => !l.Contains("{}"));
        if (bad is not null) throw new ArgumentException($"templates: {spec}: the line \"{bad}\" has no {{}} placeholder");
        if (lines.Count == 0) throw new ArgumentException($"templates: {spec} has no templates");
        return lines;
    }

    /// <summary>Every template with the text put in.</summary>
    public static List<string> Fill(IReadOnlyList<string> templates, string text) => templates.Select(t => t.Replace("{}", text)).ToList();
}
