using System.Globalization;

namespace FaceWeb.Components.Services;

/// <summary>The limits on what users type, pick and drag, and the messages they see when a value is outside them.
/// Pages apply the limits in the browser (maxlength, min/max, clamping) and every service checks them again, so a
/// crafted message gets the same answer as a typed one.</summary>
public static class Inputs
{
    /// <summary>Prompts and captions. CLIP reads 77 tokens and MiniLM 256, so this is generous; it also keeps every
    /// message well under the SignalR limit the host sets (64 KB).</summary>
    public const int PromptLength = 500;
    /// <summary>A slider's attribute name.</summary>
    public const int AttributeLength = 100;
    /// <summary>Seeds are 0 … 2³¹ − 1 (a strip of several faces uses consecutive seeds and must stay inside too).</summary>
    public const long MaxSeed = int.MaxValue;
    public const double MaxAlpha = 10, MaxBeta = 1, MaxStrength = 3, MaxSliderValue = 10;

    /// <summary>The text trimmed, or an <see cref="ArgumentException"/> when it is empty, has no visible character
    /// (only spaces, zero-width or other format characters), has control characters or is too long.</summary>
    public static string Text(string? text, string what, int max = PromptLength)
    {
        string t = (text ?? "").Trim();
        if (t.Length > max) throw new ArgumentException($"The {what} has {t.Length} characters; at most {max} are accepted.");
        if (!t.Any(Visible)) throw new ArgumentException(t.Length == 0 ? $"Type a {what}." : $"Type a {what}: this one has no visible characters.");
        if (t.Any(char.IsControl)) throw new ArgumentException($"The {what} has control characters.");
        return t;
    }

    /// <summary>Optional text: null when absent or blank, else as <see cref="Text"/>.</summary>
    public static string? OptionalText(string? text, string what, int max = PromptLength) =>
        string.IsNullOrWhiteSpace(text) || !text.Any(Visible) ? null : Text(text, what, max);

    static bool Visible(char c) => !char.IsWhiteSpace(c) && !char.IsControl(c) && char.GetUnicodeCategory(c) != UnicodeCategory.Format;

    /// <summary>The message a text field shows when it is at its limit (the browser cuts longer text there).</summary>
    public static string? AtLimit(string? text, int max) =>
        text is not null && text.Length >= max ? $"At most {max} characters: longer text is cut here." : null;

    /// <summary>The prompt fields' validation (MudTextField.Validation).</summary>
    public static readonly Func<string, string?> PromptAtLimit = t => AtLimit(t, PromptLength);
    public static readonly Func<string, string?> AttributeAtLimit = t => AtLimit(t, AttributeLength);

    /// <summary>A seed, or <paramref name="count"/> consecutive seeds from it, inside 0 … <see cref="MaxSeed"/>.</summary>
    public static long Seed(long seed, int count = 1)
    {
        long last = MaxSeed - Math.Max(0, count - 1);
        if (seed < 0 || seed > last)
            throw new ArgumentException(count > 1 ? $"The seed must be between 0 and {last} for {count} faces." : $"The seed must be between 0 and {MaxSeed}.");
        return seed;
    }

    /// <summary>A finite number inside [min, max], or an <see cref="ArgumentException"/> naming it.</summary>
    public static double Number(double value, double min, double max, string name)
    {
        if (!double.IsFinite(value) || value < min || value > max)
            throw new ArgumentException($"{name} must be a number between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}.");
        return value;
    }
}
