// Captions from labels, for training the default pack's text–image space (FaceCLIP-mini): CelebA's 40 attributes and
// UTKFace's age/gender/race become varied natural sentences, several per image, deterministic per (image, seed), with a
// held-out split by image. The wording is FaceWeb's own.
using System.Globalization;
using System.Text;

namespace FaceWeb.Engine.TextImage;

/// <param name="Attributes">CelebA attribute names that are +1 for the image (empty for UTKFace).</param>
public sealed record FaceLabels(string Image, string Source, IReadOnlySet<string> Attributes, int? Age = null, string? Gender = null, string? Race = null, bool Greyscale = false);

public static class FaceCaptions
{
    /// <summary>list_attr_celeba.txt: a count line, a line of attribute names, then "file ±1 …" rows.</summary>
    public static List<FaceLabels> ReadCelebA(string path) => ParseCelebA(File.ReadAllLines(path), path);

    /// <param name="path">names the source in errors.</param>
    public static List<FaceLabels> ParseCelebA(string[] lines, string path)
    {
        if (lines.Length < 2) throw new ArgumentException($"{path}: expected a count line and a header line");
        var names = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var result = new List<FaceLabels>();
        for (int i = 2; i < lines.Length; i++)
        {
            var f = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0) continue;
            if (f.Length != names.Length + 1 || f.Skip(1).Any(v => v is not ("1" or "-1")))
                throw new ArgumentException($"{path}:{i + 1}: expected a file name and {names.Length} values of 1 or -1");
            result.Add(new FaceLabels(f[0], "celeba", names.Where((_, k) => f[k + 1] == "1").ToHashSet()));
        }
        return result;
    }

    /// <summary>UTKFace labels.csv (file,age,gender,race,greyscale,label_ok); rows with label_ok ≠ 1 are skipped.</summary>
    public static List<FaceLabels> ReadUtk(string path) => ParseUtk(File.ReadAllLines(path), path);

    /// <param name="path">names the source in errors.</param>
    public static List<FaceLabels> ParseUtk(string[] lines, string path)
    {
        if (lines.Length == 0 || !lines[0].StartsWith("file,age,gender,race", StringComparison.Ordinal)) throw new ArgumentException($"{path}: expected the header file,age,gender,race,…");
        var result = new List<FaceLabels>();
        for (int i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split(',');
            if (f.Length >= 6 && f[5].Trim() != "1") continue;              // label_ok = 0: unusable labels
            if (f.Length < 6 || !int.TryParse(f[1], CultureInfo.InvariantCulture, out int age) || age is < 0 or > 130 || f[2] is not ("male" or "female"))
                throw new ArgumentException($"{path}:{i + 1}: expected file,age,gender,race,greyscale,label_ok");
            result.Add(new FaceLabels(f[0], "utk", new HashSet<string>(), age, f[2], f[3], f[4].Trim() == "1"));
        }
        return result;
    }

    /// <summary>Held out (by image name, stable across runs and machines) with probability ≈ <paramref name="fraction"/>.</summary>
    public static bool IsHeldOut(string image, double fraction = 0.1) => Hash(image) % 10_000 < fraction * 10_000;

    static uint Hash(string s)
    {
        uint h = 2166136261;                                     // FNV-1a: stable, unlike string.GetHashCode
        foreach (byte b in Encoding.UTF8.GetBytes(s)) { h ^= b; h *= 16777619; }
        return h;
    }

    /// <summary><paramref name="count"/> different captions for one image, the same for the same (image, seed).</summary>
    public static List<string> Captions(FaceLabels l, int count = 3, int seed = 0)
    {
        if (count < 1) throw new ArgumentException("at least one caption");
        var rng = new Random(unchecked((int)Hash($"{seed}:{l.Image}")));
        var result = new List<string>();
        for (int attempt = 0; result.Count < count && attempt < count * 8; attempt++)
        {
            string c = One(l, rng);
            if (!result.Contains(c)) result.Add(c);
        }
        return result;
    }

    /// <summary>
    /// A "with" and a "without" prompt per CelebA attribute the captions describe, for zero-shot checks. Attributes the
    /// captions never mention (Attractive, Blurry, Chubby, Narrow_Eyes, Oval_Face) have none.
    /// </summary>
    public static readonly IReadOnlyList<(string Attribute, (string With, string Without) Prompts)> ZeroShotPrompts =
    [
        ("Male", ("a photo of a man", "a photo of a woman")),
        ("Young", ("a photo of a young person", "a photo of an older person")),
        ("Smiling", ("a photo of a smiling person", "a photo of a person")),
        ("No_Beard", ("a photo of a man", "a photo of a man with a beard")),
        .. new (string, string)[]
        {
            ("5_o_Clock_Shadow", "stubble"), ("Arched_Eyebrows", "arched eyebrows"), ("Bags_Under_Eyes", "bags under the eyes"),
            ("Bald", "a bald head"), ("Bangs", "bangs"), ("Big_Lips", "full lips"), ("Big_Nose", "a big nose"),
            ("Black_Hair", "black hair"), ("Blond_Hair", "blond hair"), ("Brown_Hair", "brown hair"), ("Bushy_Eyebrows", "bushy eyebrows"),
            ("Double_Chin", "a double chin"), ("Eyeglasses", "glasses"), ("Goatee", "a goatee"), ("Gray_Hair", "grey hair"),
            ("Heavy_Makeup", "heavy makeup"), ("High_Cheekbones", "high cheekbones"), ("Mouth_Slightly_Open", "a slightly open mouth"),
            ("Mustache", "a moustache"), ("Pale_Skin", "pale skin"), ("Pointy_Nose", "a pointed nose"), ("Receding_Hairline", "a receding hairline"),
            ("Rosy_Cheeks", "rosy cheeks"), ("Straight_Hair", "straight hair"), ("Wavy_Hair", "wavy hair"), ("Wearing_Earrings", "earrings"),
            ("Wearing_Hat", "a hat"), ("Wearing_Lipstick", "lipstick"), ("Wearing_Necklace", "a necklace"), ("Wearing_Necktie", "a tie"),
        }.Select(a => (a.Item1, ($"a photo of a person with {a.Item2}", "a photo of a person"))),
    ];

    static readonly string[] Frames = ["{0}", "a photo of {0}", "portrait of {0}", "a close-up of {0}", "a picture of {0}", "the face of {0}"];

    static string One(FaceLabels l, Random rng)
    {
        bool Has(string a) => l.Attributes.Contains(a);
        bool male = l.Gender == "male" || Has("Male");
        var details = new List<string>();
        string? state = null;
        if (Has("Smiling")) state = Pick(rng, "smiling", "smiling broadly", "beaming");
        else if (Has("Mouth_Slightly_Open")) details.Add("a slightly open mouth");

        string? hairColour = Has("Blond_Hair") ? "blond" : Has("Black_Hair") ? "black" : Has("Brown_Hair") ? "brown" : Has("Gray_Hair") ? Pick(rng, "grey", "grey", "silver") : null;
        string? hairShape = Has("Wavy_Hair") ? "wavy" : Has("Straight_Hair") ? "straight" : null;
        if (Has("Bald")) details.Add("a bald head");
        else if (hairColour is not null || hairShape is not null) details.Add(string.Join(' ', new[] { hairShape, hairColour, "hair" }.Where(x => x is not null)));
        if (Has("Bangs")) details.Add("bangs");
        if (Has("Receding_Hairline")) details.Add("a receding hairline");
        if (male && l.Attributes.Count > 0 && !Has("No_Beard")) details.Add(Has("Goatee") ? "a goatee" : "a beard");
        if (Has("Mustache")) details.Add("a moustache");
        if (Has("5_o_Clock_Shadow")) details.Add("stubble");
        if (Has("Eyeglasses")) details.Add(Pick(rng, "glasses", "eyeglasses"));
        if (Has("Wearing_Hat")) details.Add("a hat");
        if (Has("Wearing_Earrings")) details.Add("earrings");
        if (Has("Wearing_Necklace")) details.Add("a necklace");
        if (Has("Wearing_Necktie")) details.Add("a tie");
        if (Has("Wearing_Lipstick")) details.Add("lipstick");
        if (Has("Heavy_Makeup")) details.Add("heavy makeup");
        if (Has("Rosy_Cheeks")) details.Add("rosy cheeks");
        if (Has("Bushy_Eyebrows")) details.Add("bushy eyebrows");
        if (Has("Arched_Eyebrows")) details.Add("arched eyebrows");
        if (Has("Big_Nose")) details.Add("a big nose");
        if (Has("Pointy_Nose")) details.Add("a pointed nose");
        if (Has("Big_Lips")) details.Add("full lips");
        if (Has("Double_Chin")) details.Add("a double chin");
        if (Has("High_Cheekbones")) details.Add("high cheekbones");
        if (Has("Bags_Under_Eyes")) details.Add("bags under the eyes");
        if (Has("Pale_Skin")) details.Add("pale skin");

        // 2–4 details in a shuffled order keep the captions varied without getting long.
        var chosen = details.OrderBy(_ => rng.Next()).Take(rng.Next(2, 5)).ToList();
        var sb = new StringBuilder(Subject(l, male, rng));
        if (state is not null) sb.Append(' ').Append(state);
        if (chosen.Count > 0)
            sb.Append(" with ").Append(chosen.Count == 1 ? chosen[0] : string.Join(", ", chosen[..^1]) + " and " + chosen[^1]);
        return string.Format(CultureInfo.InvariantCulture, Pick(rng, Frames), sb.ToString());
    }

    static string Subject(FaceLabels l, bool male, Random rng)
    {
        string person = male ? "man" : "woman";
        if (l.Age is int age)
        {
            string race = l.Race is "White" or "Black" or "Asian" or "Indian" && rng.Next(3) == 0 ? (l.Race == "White" ? "white" : l.Race) + " " : "";
            string Article(string next) => "aeiou".Contains(char.ToLowerInvariant(next[0])) ? "an " : "a ";
            string pro = male ? "his" : "her";
            string Decade(int a) => a switch { < 30 => "twenties", < 40 => "thirties", < 50 => "forties", < 60 => "fifties", < 70 => "sixties", < 80 => "seventies", < 90 => "eighties", _ => "nineties" };
            string core = age switch
            {
                < 3 => "baby",
                < 13 => male ? Pick(rng, "boy", "little boy", "child") : Pick(rng, "girl", "little girl", "child"),
                < 20 => male ? "teenage boy" : "teenage girl",
                < 100 when age >= 70 && rng.Next(2) == 0 => $"elderly {person}",
                < 100 => $"{person} in {pro} {Decade(age)}",
                _ => $"very old {person}",
            };
            if (age is >= 20 and < 30 && rng.Next(2) == 0) core = $"young {person}";
            // Adjective order: age before origin ("a young Indian woman"), origin before the noun otherwise.
            string s = race.Length > 0 && (core.StartsWith("young ", StringComparison.Ordinal) || core.StartsWith("elderly ", StringComparison.Ordinal) || core.StartsWith("very old ", StringComparison.Ordinal))
                ? core.Insert(core.IndexOf(' ', core.StartsWith("very", StringComparison.Ordinal) ? 5 : 0) + 1, race)
                : race + core;
            return Article(s) + s;
        }
        string adj = l.Attributes.Contains("Young") ? Pick(rng, "young ", "young ", "") : Pick(rng, "middle-aged ", "older ", "");
        string subject = adj + person;
        return ("aeiou".Contains(subject[0]) ? "an " : "a ") + subject;
    }

    static string Pick(Random rng, params string[] options) => options[rng.Next(options.Length)];
}
