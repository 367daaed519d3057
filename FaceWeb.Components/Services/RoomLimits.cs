namespace FaceWeb.Components.Services;

/// <summary>Bounds on what people type into a review room, checked in the browser and again by the server.</summary>
public static class RoomLimits
{
    public const int TitleLength = 120, NameLength = 40, CommentLength = 2000, ParametersLength = 8000;

    /// <summary>A trimmed, non-empty text of at most <paramref name="max"/> characters, or an <see cref="ArgumentException"/>
    /// that says which and why. Control characters other than line breaks are refused.</summary>
    public static string Text(string? text, string what, int max)
    {
        string t = (text ?? "").Trim();
        if (t.Length == 0) throw new ArgumentException($"The {what} is empty.");
        if (t.Length > max) throw new ArgumentException($"The {what} is {t.Length} characters; at most {max} are allowed.");
        if (t.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t'))) throw new ArgumentException($"The {what} contains control characters.");
        return t;
    }
}
