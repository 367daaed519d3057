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
public sealed record TextToFaceRow(string Method, int Faces, double Found, double Gender, double Age, double Smile, double TextScore, double MillisecondsPerFace,
    IReadOnlyDictionary<string, double>? AgeByBucket = null);

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

    public static string AgeBucket(float years) => years < 13 ? "child" : years < 30 ? "young" : years < 55 ? "middle" : "old";

    /// <summary>Judges faces [N,3,H,W] in [−1,1] made for <paramref name="probes"/> (one each, in order).</summary>
    public static TextToFaceRow Judge(string method, Tensor faces, IReadOnlyList<CaptionProbe> probes, EditJudges judges, IFaceFound found,
        ITextImageSpace space, double millisecondsPerFace)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var (age, male, happy, descriptors) = judges.Judge(faces);
        descriptors.Dispose();
        int n = probes.Count, foundFaces = found.Found(faces).Count(f => f);
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
            probes.Select(p => p.Age).OfType<string>().Distinct().ToDictionary(b => b, b => Share(i => probes[i].Age == b ? AgeBucket(age[i]) == b : null)));
    }
}
