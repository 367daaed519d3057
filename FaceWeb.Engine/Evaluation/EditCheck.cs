// The independent check of a pack's edits (issue #7): judges FaceWeb did not train (face-api.js age/gender, expression
// and recognition nets) say whether an edit moved age, gender or smile the intended way, and whether the person stayed.
using FaceWeb.Engine.FaceApi;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators;
using FaceWeb.Engine.Generators.StyleGan2;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Evaluation;

public enum Judge { Age, Male, Happy }

/// <param name="Edit">source W+ [N,L,D] → edited images [N,3,H,W] (no gradient needed).</param>
/// <param name="Sign">+1 when the judged quantity should go up, −1 when down.</param>
public sealed record EditProbe(string Name, Judge Judge, int Sign, Func<Tensor, Tensor> Edit);

/// <param name="RightWay">fraction of faces whose judged value moved in the intended direction.</param>
/// <param name="MeanChange">mean change of the judged value (years, P(male) or P(happy)), signed as measured.</param>
/// <param name="IdentityCosine">mean cosine of face-api descriptors, source vs edit.</param>
/// <param name="SamePerson">fraction of edits within face-api.js's same-person distance (0.6) of their source.</param>
/// <param name="ColourShift">how far the mean colour of the face region (the middle half of the frame, where the pack's
/// framing puts the face) moved, in 0–255 levels: per channel the mean over faces of |after − before|, the largest
/// channel's (issue 18: at most 4 for an edit that is not about colour).</param>
/// <param name="RightWayWithRoom">the same fraction among faces that had room to move: for P(male) and P(happy) a source
/// below 0.9 (up) or above 0.1 (down); every face for age. NaN when no face had room.</param>
public sealed record EditCheckRow(string Edit, string Judge, int Sign, int Faces, double RightWay, double MeanChange, double IdentityCosine, double SamePerson,
    double ColourShift = double.NaN, double RightWayWithRoom = double.NaN);

public sealed class EditJudges(FaceApiAgeGenderNet ageGender, FaceApiExpressionNet expression, FaceApiIdentity identity) : IDisposable
{
    public static EditJudges Load(string modelDir) =>
        new(FaceApiAgeGenderNet.Load(modelDir), FaceApiExpressionNet.Load(modelDir), FaceApiIdentity.Load(modelDir));

    /// <summary>Generator output [N,3,H,W] → (age, P(male), P(happy), raw descriptors [N,128]).</summary>
    public (float[] Age, float[] Male, float[] Happy, Tensor Descriptors) Judge(Tensor images)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var x112 = FaceApiInput.FromGenerated(images);
        var ag = ageGender.Predict(x112);
        var happy = expression.Happy(x112);
        var d = identity.DescriptorOfGenerated(images).MoveToOuterDisposeScope();
        return (ag.Select(a => a.Age).ToArray(), ag.Select(a => a.MaleProbability).ToArray(), happy, d);
    }

    public void Dispose() { ageGender.Dispose(); expression.Dispose(); identity.Dispose(); }
}

public static class EditCheck
{
    /// <summary>
    /// Runs every probe on the same <paramref name="faces"/> seeds (z from seed = index, truncation ψ) in batches; one
    /// row per probe. <paramref name="progress"/> gets the fraction of batches done.
    /// </summary>
    public static List<EditCheckRow> Run(StyleGan2Generator g, IReadOnlyList<EditProbe> probes, EditJudges judges, int faces, double psi = 0.7,
        int batch = 16, IProgress<double>? progress = null, CancellationToken ct = default)
    {
        if (faces < 1 || probes.Count == 0) throw new ArgumentException("the check needs at least one face and one edit");
        var acc = probes.Select(_ => (Right: 0, Change: 0.0, Cos: 0.0, Same: 0, Room: 0, RightInRoom: 0)).ToArray();
        var colour = probes.Select(_ => new double[3]).ToArray();
        for (int start = 0; start < faces; start += batch)
        {
            ct.ThrowIfCancellationRequested();
            int n = Math.Min(batch, faces - start);
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var z = cat(Enumerable.Range(start, n).Select(s => EngineDevice.SeededNormal([1, g.Config.StyleDim], new Generator((ulong)s), g.Device)).ToArray(), 0);
            var w = g.WPlusFromZ(z, psi);                                                                 // [n,L,D]
            var sourceImages = g.Synthesize(w);
            var before = judges.Judge(sourceImages);
            var sourceColour = ImageTensors.FaceColour(sourceImages);                                                 // [n,3]
            for (int p = 0; p < probes.Count; p++)
            {
                var edited = probes[p].Edit(w);
                var after = judges.Judge(edited);
                var shift = (ImageTensors.FaceColour(edited) - sourceColour).abs().sum([0]).data<float>().ToArray();   // [3], summed over faces
                for (int c = 0; c < 3; c++) colour[p][c] += shift[c];
                float[] b = Pick(before, probes[p].Judge), a = Pick(after, probes[p].Judge);
                var cos = nn.functional.cosine_similarity(before.Descriptors, after.Descriptors, 1).data<float>().ToArray();
                var dist = (before.Descriptors - after.Descriptors).norm(1).data<float>().ToArray();
                for (int i = 0; i < n; i++)
                {
                    bool right = probes[p].Sign * (a[i] - b[i]) > 0;
                    acc[p].Right += right ? 1 : 0;
                    if (HasRoom(probes[p].Judge, probes[p].Sign, b[i])) { acc[p].Room++; acc[p].RightInRoom += right ? 1 : 0; }
                    acc[p].Change += a[i] - b[i];
                    acc[p].Cos += cos[i];
                    acc[p].Same += dist[i] < FaceApiIdentity.SamePersonDistance ? 1 : 0;
                }
            }
            progress?.Report(Math.Min(1.0, (start + n) / (double)faces));
        }
        return probes.Select((p, i) => new EditCheckRow(p.Name, p.Judge.ToString().ToLowerInvariant(), p.Sign, faces,
            acc[i].Right / (double)faces, acc[i].Change / faces, acc[i].Cos / faces, acc[i].Same / (double)faces, colour[i].Max() / faces,
            acc[i].Room == 0 ? double.NaN : acc[i].RightInRoom / (double)acc[i].Room)).ToList();
    }

    /// <summary>A probability judge within 0.1 of the end it should move to leaves no room to measure a move (P(happy) of a
    /// broad smile is already 0.99); age has room everywhere.</summary>
    public static bool HasRoom(Judge judge, int sign, float source) => judge == Judge.Age || (sign > 0 ? source < 0.9f : source > 0.1f);

    /// <summary>The pack's age, gender and smile edits as probes: W-space sliders both ways at ±<paramref name="alpha"/>, the
    /// mappers and global directions of the matching prompts, GANSpace's first direction both ways, and a control (one
    /// fixed random unit direction in W at the slider distance, which a judge should call a coin toss).</summary>
    public static List<EditProbe> PackProbes(PackEditor editor, double alpha = 3, double globalAlpha = 4, double beta = 0.08, double mapperStrength = 1)
    {
        var probes = new List<EditProbe>();
        Func<Tensor, Tensor> Edit(EditRequest request) => w => { var r = editor.Apply(w, request); r.Latent?.Dispose(); return r.Image; };
        foreach (var (slider, judge) in new[] { ("age", Judge.Age), ("male", Judge.Male), ("smiling", Judge.Happy) })
        {
            if (!editor.Sliders.TryGetValue(slider, out var dir) || dir.Space != LatentSpace.W) continue;
            foreach (int sign in new[] { 1, -1 })
                probes.Add(new EditProbe($"slider {slider} {sign * alpha:+0.#;-0.#}", judge, sign, Edit(new SliderEdit([(slider, sign * alpha)]))));
        }
        foreach (var (text, judge) in new[] { ("old person", Judge.Age), ("a smiling face", Judge.Happy), ("smiling", Judge.Happy), ("man", Judge.Male) })
            if (editor.MapperFor(text) is { } mapper) probes.Add(new EditProbe($"mapper \"{text}\"", judge, 1, Edit(new MapperEdit(mapper, mapperStrength))));
        if (editor.HasGlobalDirections)
            foreach (var (target, judge, sign) in new[] { ("a smiling face", Judge.Happy, 1), ("the face of an old person", Judge.Age, 1),
                         ("the face of a man", Judge.Male, 1), ("the face of a woman", Judge.Male, -1) })
                probes.Add(new EditProbe($"global \"{target}\"", judge, sign, Edit(new GlobalDirectionEdit("a face", target, globalAlpha, beta))));
        var control = nn.functional.normalize(randn([1, 1, editor.Generator.Config.StyleDim], generator: new Generator(20261126)), dim: -1);
        foreach (var judge in new[] { Judge.Age, Judge.Male, Judge.Happy })
            probes.Add(new EditProbe($"control: random W direction +{alpha:0.#}", judge, 1, w => editor.Generator.Synthesize(w + alpha * control)));
        return probes;
    }

    static float[] Pick((float[] Age, float[] Male, float[] Happy, Tensor Descriptors) j, Judge judge) =>
        judge switch { Judge.Age => j.Age, Judge.Male => j.Male, _ => j.Happy };
}
