// `faceweb eval text2face` (issue 18, item 5): every text → face method on a fixed list of captions that name gender,
// age, smile, glasses, beard and hair colour, a few seeds each, judged by face-api.js networks FaceWeb did not train:
// is a face found (IFaceFound: the SSD detector by default), and do gender, age bucket and smile agree with what the caption says.
// Glasses, beards and hair colour are named but not judged (face-api.js has no net for them).
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.FaceApi;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Evaluation;

/// <param name="Male">what the caption says of gender (null: nothing); <paramref name="Age"/> child, young, middle or old.</param>
public sealed record CaptionProbe(string Caption, bool? Male, string? Age, bool? Smiling);

/// <param name="Found">share of faces found as a face (<see cref="IFaceFound"/>); the agreements count only captions that say it.</param>
/// <param name="AgeByBucket">the age agreement of the captions that name each bucket (child, young, middle, old).</param>
/// <param name="NotFound">the faces (indices into the probes) not found as a face.</param>
public sealed record TextToFaceRow(string Method, int Faces, double Found, double Gender, double Age, double Smile, double TextScore, double MillisecondsPerFace,
    IReadOnlyDictionary<string, double>? AgeByBucket = null, IReadOnlyList<int>? NotFound = null);

/// <summary>How text → face by attributes read the captions, before any face is made, for one attribute (a slider):
/// of the <paramref name="Said"/> captions that name it, how many were read the right way, which the wrong way
/// (<paramref name="ReadWrong"/>, "caption → target") and which not at all (<paramref name="NotRead"/>); of the
/// <paramref name="Unsaid"/> captions that do not, which were read as naming it (<paramref name="ReadUnsaid"/>). Age
/// counts as right when the target is the named bucket's.</summary>
public sealed record CaptionReadingRow(string Attribute, int Said, int Right, int Unsaid, IReadOnlyList<string> ReadWrong,
    IReadOnlyList<string> NotRead, IReadOnlyList<string> ReadUnsaid)
{
    public int Wrong => ReadWrong.Count;
    public int Missed => NotRead.Count;
}

public static class TextToFaceCheck
{
    /// <summary>30 captions (the same every time).</summary>
    public static IReadOnlyList<CaptionProbe> Captions { get; } =
    [
        new("a smiling young woman with blond hair", false, "young", true),
        new("an old man with a grey beard", true, "old", null),
        new("a middle-aged man wearing glasses", true, "middle", null),
        new("a serious young man with black hair", true, "young", false),
        new("a smiling old woman with grey hair", false, "old", true),
        new("a young woman with brown hair", false, "young", null),
        new("a laughing man with a beard", true, null, true),
        new("a child with a big smile", null, "child", true),
        new("an elderly woman wearing glasses", false, "old", null),
        new("a young man with short brown hair and a beard", true, "young", null),
        new("a serious middle-aged woman", false, "middle", false),
        new("a smiling middle-aged man", true, "middle", true),
        new("a young woman with red hair", false, "young", null),
        new("an old man who is smiling", true, "old", true),
        new("a little boy", true, "child", null),
        new("a little girl with blond hair", false, "child", null),
        new("a woman with black hair and glasses", false, null, null),
        new("a man with a moustache and grey hair", true, "old", null),
        new("a serious old woman", false, "old", false),
        new("a young man wearing glasses", true, "young", null),
        new("a smiling woman with curly hair", false, null, true),
        new("a bald middle-aged man", true, "middle", null),
        new("a teenage girl with long hair", false, "young", null),
        new("a young man with a neutral expression", true, "young", false),
        new("a grandmother smiling warmly", false, "old", true),
        new("a man in his forties with a beard", true, "middle", null),
        new("a woman in her fifties with short grey hair", false, "middle", null),
        new("a young woman with heavy makeup", false, "young", null),
        new("a frowning old man", true, "old", false),
        new("a happy young man with blond hair", true, "young", true),
    ];

    /// <summary>50 other captions, 15 smiling, 15 not (in other words: stern, grumpy, expressionless…) and 20 that do not
    /// say (with 35 naming an age), on which the caption reading's wordings, margins and age floor were chosen (ADR 0014);
    /// <see cref="Captions"/> then checks them.</summary>
    public static IReadOnlyList<CaptionProbe> ReadingCaptions { get; } =
    [
        new("a grinning young man", true, "young", true),
        new("a woman with a wide grin", false, null, true),
        new("a cheerful little girl", false, "child", true),
        new("a joyful grandfather", true, "old", true),
        new("a beaming middle-aged woman", false, "middle", true),
        new("a man laughing out loud", true, null, true),
        new("a happy old woman with white hair", false, "old", true),
        new("a smiling boy with freckles", true, "child", true),
        new("a young woman with a warm smile", false, "young", true),
        new("a middle-aged man with a friendly smile", true, "middle", true),
        new("a delighted teenage boy", true, "young", true),
        new("an elderly man with a gentle smile", true, "old", true),
        new("a woman smiling at the camera", false, null, true),
        new("a man with a toothy grin and a beard", true, null, true),
        new("a girl laughing", false, "child", true),
        new("a stern old man", true, "old", false),
        new("an unsmiling young woman", false, "young", false),
        new("a sad middle-aged man", true, "middle", false),
        new("a gloomy teenage girl", false, "young", false),
        new("a man with a blank expression", true, null, false),
        new("an expressionless woman with short hair", false, null, false),
        new("a grumpy old woman", false, "old", false),
        new("a young man looking serious", true, "young", false),
        new("a woman with a solemn face", false, null, false),
        new("an angry man with a beard", true, null, false),
        new("a worried middle-aged woman", false, "middle", false),
        new("a boy who is not smiling", true, "child", false),
        new("a tired old man with a frown", true, "old", false),
        new("a pensive young woman", false, "young", false),
        new("a scowling man", true, null, false),
        new("a young man with curly hair", true, "young", null),
        new("an old woman wearing a hat", false, "old", null),
        new("a middle-aged woman with glasses", false, "middle", null),
        new("a man with a shaved head", true, null, null),
        new("a girl with pigtails", false, "child", null),
        new("a young woman with freckles", false, "young", null),
        new("an old man with white hair", true, "old", null),
        new("a woman with a ponytail", false, null, null),
        new("a man with a goatee", true, null, null),
        new("a teenage boy with long hair", true, "young", null),
        new("a middle-aged man with a grey moustache", true, "middle", null),
        new("an elderly woman with curly grey hair", false, "old", null),
        new("a young man with a buzz cut", true, "young", null),
        new("a woman with auburn hair", false, null, null),
        new("a boy with short hair", true, "child", null),
        new("a man wearing sunglasses", true, null, null),
        new("a woman with bangs", false, null, null),
        new("a blond young man", true, "young", null),
        new("a dark-haired middle-aged woman", false, "middle", null),
        new("an old man with bushy eyebrows", true, "old", null),
    ];

    public static string AgeBucket(float years) => years < 13 ? "child" : years < 30 ? "young" : years < 55 ? "middle" : "old";

    /// <summary>The caption reading of text → face by attributes (<paramref name="read"/>: e.g. <c>PackEditor.ReadCaption</c>)
    /// checked against what each probe says: one row each for male, age and smiling.</summary>
    public static IReadOnlyList<CaptionReadingRow> Reading(IReadOnlyList<CaptionProbe> probes, Func<string, IReadOnlyList<CaptionAttribute>> read)
    {
        var reads = probes.Select(p => read(p.Caption)).ToList();
        CaptionReadingRow Row(string slider, Func<CaptionProbe, double?> expected)
        {
            int said = 0, right = 0, unsaid = 0;
            List<string> wrong = [], notRead = [], readUnsaid = [];
            string Read(int i, CaptionAttribute a) => FormattableString.Invariant($"{probes[i].Caption} → {a.Target:+0.#;-0.#}σ");
            for (int i = 0; i < probes.Count; i++)
            {
                var got = reads[i].FirstOrDefault(a => a.Slider == slider);
                if (expected(probes[i]) is { } want)
                {
                    said++;
                    if (got is null) { notRead.Add(probes[i].Caption); continue; }
                    if (got.Target == want) right++; else wrong.Add(Read(i, got));
                }
                else
                {
                    unsaid++;
                    if (got is not null) readUnsaid.Add(Read(i, got));
                }
            }
            return new(slider, said, right, unsaid, wrong, notRead, readUnsaid);
        }
        return
        [
            Row("male", p => p.Male is { } m ? CaptionAttributes.BinaryTarget("male", m) : null),
            Row("age", p => p.Age is { } a ? CaptionAttributes.AgeTarget(a) : null),
            Row("smiling", p => p.Smiling is { } s ? CaptionAttributes.BinaryTarget("smiling", s) : null),
        ];
    }

    /// <summary>Judges faces [N,3,H,W] in [−1,1] made for <paramref name="probes"/> (one each, in order).</summary>
    public static TextToFaceRow Judge(string method, Tensor faces, IReadOnlyList<CaptionProbe> probes, EditJudges judges, IFaceFound found,
        ITextImageSpace space, double millisecondsPerFace)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var (age, male, happy, _, descriptors) = judges.Judge(faces);
        descriptors.Dispose();
        var isFace = found.Found(faces);
        int n = probes.Count, foundFaces = isFace.Count(f => f);
        double Share(Func<int, bool?> agrees)
        {
            var said = Enumerable.Range(0, n).Select(agrees).Where(a => a is not null).ToList();
            return said.Count == 0 ? double.NaN : (double)said.Count(a => a == true) / said.Count;
        }
        var text = space.EmbedTexts(probes.Select(p => p.Caption).ToList());
        double score = (1 - (space.EmbedImages(faces) * text).sum(1)).mean().item<float>();
        return new TextToFaceRow(method, n, (double)foundFaces / n,
            Share(i => probes[i].Male is { } m ? (male[i] > 0.5) == m : null),
            Share(i => probes[i].Age is { } a ? AgeBucket(age[i]) == a : null),
            Share(i => probes[i].Smiling is { } s ? (happy[i] > 0.5) == s : null),
            1 - score, millisecondsPerFace,
            probes.Select(p => p.Age).OfType<string>().Distinct().ToDictionary(b => b, b => Share(i => probes[i].Age == b ? AgeBucket(age[i]) == b : null)),
            [.. Enumerable.Range(0, n).Where(i => !isFace[i])]);
    }
}
