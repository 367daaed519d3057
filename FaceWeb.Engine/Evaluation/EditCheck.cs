// The independent check of a pack's edits (issue #7): judges FaceWeb did not train (face-api.js age/gender, expression
// and recognition nets) say whether an edit moved age, gender or smile the intended way, and whether the person stayed;
// blond hair and glasses, which face-api.js has no net for, are judged by the CelebA judge (CelebAJudge.cs, issue 18).
using FaceWeb.Engine.FaceApi;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators;
using FaceWeb.Engine.Generators.StyleGan2;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Evaluation;

/// <summary>Age (years), Male and Happy (face-api.js probabilities); HappyOdds is face-api.js's P(happy) read as log-odds
/// (the same order, but a broad smile's P rounds to 1 and cannot be seen to grow); BlondHair and Eyeglasses, and Smiling and
/// CelebAMale as a second opinion beside face-api.js's, are the CelebA judge's logits.</summary>
public enum Judge { Age, Male, Happy, BlondHair, Eyeglasses, Smiling, CelebAMale, HappyOdds }

/// <param name="Edit">source W+ [N,L,D] → edited images [N,3,H,W]; called under no_grad (an optimisation turns autograd back on itself).</param>
/// <param name="Sign">+1 when the judged quantity should go up, −1 when down.</param>
public sealed record EditProbe(string Name, Judge Judge, int Sign, Func<Tensor, Tensor> Edit);

/// <param name="RightWay">fraction of faces whose judged value moved in the intended direction.</param>
/// <param name="MeanChange">mean change of the judged value (years, P(male), P(happy), happy log-odds or a CelebA judge logit), signed as measured.</param>
/// <param name="IdentityCosine">mean cosine of face-api descriptors, source vs edit.</param>
/// <param name="SamePerson">fraction of edits within face-api.js's same-person distance (0.6) of their source.</param>
/// <param name="ColourShift">how far the mean colour of the face region (the middle half of the frame, where the pack's
/// framing puts the face) moved, in 0–255 levels: per channel the mean over faces of |after − before|, the largest
/// channel's (issue 18: at most 4 for an edit that is not about colour).</param>
/// <param name="RightWayWithRoom">the same fraction among faces that had room to move: for P(male) and P(happy) a source
/// below 0.9 (up) or above 0.1 (down), for log-odds and CelebA logits the same probabilities; every face for age. NaN when no face had room.</param>
/// <param name="FacesWithRoom">how many faces had room to move (the denominator of <paramref name="RightWayWithRoom"/>).</param>
/// <param name="Found">fraction of the edited faces a found-as-a-face judge finds (ADR 0013); NaN when none was asked.</param>
/// <param name="SourcesFound">the same judge on the unedited sources (the pack's samples at ψ): issue 18's bar is this minus 5 points.</param>
/// <param name="Unchanged">faces whose judged value came out exactly as before (neither way).</param>
/// <param name="AtEnd">faces whose source already reads exactly the end the edit should move towards: P(male) or P(happy)
/// of 1 (up) or 0 (down) in float32, as face-api.js computes it. No edit can move these the right way by this judge, so
/// <paramref name="RightWay"/> is at most (faces − AtEnd) / faces. Always 0 for the other judges (their values are unbounded).</param>
public sealed record EditCheckRow(string Edit, string Judge, int Sign, int Faces, double RightWay, double MeanChange, double IdentityCosine, double SamePerson,
    double ColourShift = double.NaN, double RightWayWithRoom = double.NaN, int FacesWithRoom = 0, double Found = double.NaN, double SourcesFound = double.NaN,
    int Unchanged = 0, int AtEnd = 0);

public sealed class EditJudges(FaceApiAgeGenderNet ageGender, FaceApiExpressionNet expression, FaceApiIdentity identity, CelebAJudge? celeba = null) : IDisposable
{
    /// <param name="celebaJudge">the CelebA judge's file, for blond hair and glasses; null: those edits are not judged.</param>
    public static EditJudges Load(string modelDir, string? celebaJudge = null) =>
        new(FaceApiAgeGenderNet.Load(modelDir), FaceApiExpressionNet.Load(modelDir), FaceApiIdentity.Load(modelDir),
            celebaJudge is null ? null : CelebAJudge.Load(celebaJudge));

    /// <summary>Whether these judges can judge <paramref name="judge"/> (blond hair and glasses need the CelebA judge).</summary>
    public bool Can(Evaluation.Judge judge) => EditCheck.IsFaceApi(judge) || celeba is not null;

    /// <summary>Generator output [N,3,H,W] → the CelebA judge's logit for blond hair or glasses [N].</summary>
    public float[] CelebA(Tensor images, Evaluation.Judge judge) => (celeba ?? throw new InvalidOperationException("no CelebA judge loaded"))
        .Logits(images, judge switch { Evaluation.Judge.BlondHair => "Blond_Hair", Evaluation.Judge.Eyeglasses => "Eyeglasses",
            Evaluation.Judge.Smiling => "Smiling", Evaluation.Judge.CelebAMale => "Male", _ => throw new ArgumentException($"{judge} is a face-api.js judge") });

    /// <summary>Generator output [N,3,H,W] → (age, P(male), P(happy), happy log-odds, raw descriptors [N,128]).</summary>
    public (float[] Age, float[] Male, float[] Happy, float[] HappyOdds, Tensor Descriptors) Judge(Tensor images)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var x112 = FaceApiInput.FromGenerated(images);
        var ag = ageGender.Predict(x112);
        var (happy, odds) = FaceApiExpressionNet.HappyFromLogits(expression.Forward(x112));
        var d = identity.DescriptorOfGenerated(images).MoveToOuterDisposeScope();
        return (ag.Select(a => a.Age).ToArray(), ag.Select(a => a.MaleProbability).ToArray(), happy, odds, d);
    }

    /// <summary>Generator output (or real faces at the pack's framing) [N,3,H,W] → face-api.js's age in years [N], alone.</summary>
    public float[] Ages(Tensor images)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return [.. ageGender.Predict(FaceApiInput.FromGenerated(images)).Select(a => a.Age)];
    }

    public void Dispose() { ageGender.Dispose(); expression.Dispose(); identity.Dispose(); celeba?.Dispose(); }
}

public static class EditCheck
{
    /// <summary>
    /// Runs every probe on the same <paramref name="faces"/> seeds (z from seed = index, truncation ψ) in batches; one
    /// row per probe. <paramref name="progress"/> gets the fraction of batches done. With <paramref name="found"/>, each
    /// edit's faces and the sources are also judged found as a face or not.
    /// </summary>
    public static List<EditCheckRow> Run(StyleGan2Generator g, IReadOnlyList<EditProbe> probes, EditJudges judges, int faces, double psi = 0.7,
        int batch = 16, IProgress<double>? progress = null, CancellationToken ct = default, IFaceFound? found = null)
    {
        if (faces < 1 || probes.Count == 0) throw new ArgumentException("the check needs at least one face and one edit");
        if (probes.FirstOrDefault(p => !judges.Can(p.Judge)) is { } unjudged) throw new ArgumentException($"no judge for '{unjudged.Name}' ({unjudged.Judge}: it needs the CelebA judge)");
        var acc = probes.Select(_ => (Right: 0, Change: 0.0, Cos: 0.0, Same: 0, Room: 0, RightInRoom: 0, Unchanged: 0, AtEnd: 0)).ToArray();
        var colour = probes.Select(_ => new double[3]).ToArray();
        var foundFaces = new int[probes.Count];
        int sourcesFound = 0;
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
            if (found is not null) sourcesFound += found.Found(sourceImages).Count(f => f);
            var sourceCelebA = new Dictionary<Judge, float[]>();                    // the CelebA judge's logits of the sources, once per judge
            // Probes that share an edit (one edit, several judges) edit and run face-api.js once per batch.
            var byEdit = new Dictionary<Func<Tensor, Tensor>, (Tensor Image, (float[] Age, float[] Male, float[] Happy, float[] HappyOdds, Tensor Descriptors) Judged, float[] Shift, int Found)>();
            for (int p = 0; p < probes.Count; p++)
            {
                if (!byEdit.TryGetValue(probes[p].Edit, out var done))
                {
                    var image = probes[p].Edit(w);
                    byEdit[probes[p].Edit] = done = (image, judges.Judge(image),
                        (ImageTensors.FaceColour(image) - sourceColour).abs().sum([0]).data<float>().ToArray(),   // shift [3], summed over faces
                        found is null ? 0 : found.Found(image).Count(f => f));
                }
                var (edited, after, shift, editsFound) = done;
                foundFaces[p] += editsFound;
                for (int c = 0; c < 3; c++) colour[p][c] += shift[c];
                var judge = probes[p].Judge;
                float[] b = IsFaceApi(judge) ? Pick(before, judge)
                    : sourceCelebA.TryGetValue(judge, out var logits) ? logits : sourceCelebA[judge] = judges.CelebA(sourceImages, judge);
                float[] a = IsFaceApi(judge) ? Pick(after, judge) : judges.CelebA(edited, judge);
                var cos = nn.functional.cosine_similarity(before.Descriptors, after.Descriptors, 1).data<float>().ToArray();
                var dist = (before.Descriptors - after.Descriptors).norm(1).data<float>().ToArray();
                for (int i = 0; i < n; i++)
                {
                    bool right = probes[p].Sign * (a[i] - b[i]) > 0;
                    acc[p].Right += right ? 1 : 0;
                    if (HasRoom(probes[p].Judge, probes[p].Sign, b[i])) { acc[p].Room++; acc[p].RightInRoom += right ? 1 : 0; }
                    acc[p].Unchanged += a[i] == b[i] ? 1 : 0;
                    acc[p].AtEnd += AtEnd(probes[p].Judge, probes[p].Sign, b[i]) ? 1 : 0;
                    acc[p].Change += a[i] - b[i];
                    acc[p].Cos += cos[i];
                    acc[p].Same += dist[i] < FaceApiIdentity.SamePersonDistance ? 1 : 0;
                }
            }
            progress?.Report(Math.Min(1.0, (start + n) / (double)faces));
        }
        return probes.Select((p, i) => new EditCheckRow(p.Name, Label(p.Judge), p.Sign, faces,
            acc[i].Right / (double)faces, acc[i].Change / faces, acc[i].Cos / faces, acc[i].Same / (double)faces, colour[i].Max() / faces,
            acc[i].Room == 0 ? double.NaN : acc[i].RightInRoom / (double)acc[i].Room, acc[i].Room,
            found is null ? double.NaN : foundFaces[i] / (double)faces, found is null ? double.NaN : sourcesFound / (double)faces,
            acc[i].Unchanged, acc[i].AtEnd)).ToList();
    }

    /// <summary>A probability judge within 0.1 of the end it should move to leaves no room to measure a move (P(happy) of a
    /// broad smile is already 0.99); age has room everywhere.</summary>
    public static bool HasRoom(Judge judge, int sign, float source) => judge switch
    {
        Judge.Age => true,
        Judge.HappyOdds or Judge.BlondHair or Judge.Eyeglasses or Judge.Smiling or Judge.CelebAMale => sign > 0 ? source < Logit9 : source > -Logit9,
        _ => sign > 0 ? source < 0.9f : source > 0.1f,
    };

    static readonly float Logit9 = MathF.Log(9);           // the logit of P = 0.9

    /// <summary>A face-api.js probability that already reads exactly the end it should move to (P(happy) of a broad smile
    /// is 1 in float32): the judge cannot see any edit move it further.</summary>
    public static bool AtEnd(Judge judge, int sign, float source) =>
        judge is Judge.Happy or Judge.Male && source == (sign > 0 ? 1f : 0f);

    /// <summary>The judge as the tables name it: face-api.js's by the quantity, the CelebA judge's with "(CelebA)".</summary>
    public static string Label(Judge judge) => judge switch
    {
        Judge.BlondHair => "blond hair (CelebA)", Judge.Eyeglasses => "glasses (CelebA)", Judge.Smiling => "smiling (CelebA)",
        Judge.CelebAMale => "male (CelebA)", Judge.HappyOdds => "happy log-odds", _ => judge.ToString().ToLowerInvariant(),
    };

    /// <summary>The pack's age, gender and smile edits as probes: W-space sliders both ways at ±<paramref name="alpha"/>, the
    /// mappers and global directions of the matching prompts, GANSpace's first direction both ways, and a control (one
    /// fixed random unit direction in W at the slider distance, which a judge should call a coin toss).</summary>
    /// <param name="celeba">also the blond hair and glasses edits (slider both ways, mapper, global direction, control),
    /// which need the CelebA judge, and its second opinion on the smile mapper and the smile and woman directions.</param>
    /// <param name="extraGlobals">more global directions from "a face" to a target, each with its judge and intended sign
    /// (to compare wordings).</param>
    /// <param name="optimisation">also StyleCLIP's latent optimisation as the Edit page runs it (<see cref="PackEditor.EditOptimisation"/>:
    /// λ_L2 0.008, no λ_ID, the pack's in-domain guidance when it has an encoder) towards "a smiling face" and "the face of
    /// an old person", each face on its own, with this many steps (0: none); <paramref name="optimisationDomain"/> another
    /// λ_domain (0: the paper's plain optimisation of every W+ row).</param>
    public static List<EditProbe> PackProbes(PackEditor editor, double alpha = 3, double globalAlpha = GlobalDirectionEdit.DefaultAlpha,
        double beta = GlobalDirectionEdit.DefaultBeta, double mapperStrength = 1,
        bool celeba = false, IReadOnlyList<(string Target, Judge Judge, int Sign)>? extraGlobals = null, int optimisation = 0,
        double? optimisationDomain = null)
    {
        var probes = new List<EditProbe>();
        var edits = new Dictionary<string, Func<Tensor, Tensor>>();                // one delegate per edit, shared by its judges (Run edits once)
        Func<Tensor, Tensor> Edit(string name, Func<EditRequest> request) => edits.TryGetValue(name, out var e) ? e
            : edits[name] = w => { var r = editor.Apply(w, request()); r.Latent?.Dispose(); return r.Image; };
        var sliders = new List<(string, Judge)> { ("age", Judge.Age), ("male", Judge.Male), ("smiling", Judge.Happy) };
        var mappers = new List<(string, Judge)> { ("old person", Judge.Age), ("a smiling face", Judge.Happy), ("smiling", Judge.Happy), ("man", Judge.Male) };
        var globals = new List<(string, Judge, int)> { ("a smiling face", Judge.Happy, 1), ("the face of an old person", Judge.Age, 1),
            ("the face of a man", Judge.Male, 1), ("the face of a woman", Judge.Male, -1) };
        var controls = new List<Judge> { Judge.Age, Judge.Male, Judge.Happy };
        if (celeba)
        {
            sliders.AddRange([("blond hair", Judge.BlondHair), ("eyeglasses", Judge.Eyeglasses)]);
            mappers.AddRange([("blond hair", Judge.BlondHair), ("a smiling face", Judge.Smiling)]);
            globals.AddRange([("a face with blond hair", Judge.BlondHair, 1), ("a face with glasses", Judge.Eyeglasses, 1),
                ("a smiling face", Judge.Smiling, 1), ("the face of a woman", Judge.CelebAMale, -1)]);
            controls.AddRange([Judge.BlondHair, Judge.Eyeglasses, Judge.Smiling, Judge.CelebAMale]);
        }
        globals.AddRange(extraGlobals ?? []);
        foreach (var (slider, judge) in sliders)
        {
            if (!editor.Sliders.TryGetValue(slider, out var dir) || dir.Space != LatentSpace.W) continue;
            foreach (int sign in new[] { 1, -1 })
            {
                string name = $"slider {slider} {sign * alpha:+0.#;-0.#}";
                probes.Add(new EditProbe(name, judge, sign, Edit(name, () => new SliderEdit([(slider, sign * alpha)]))));
            }
        }
        foreach (var (text, judge) in mappers)
            if (editor.MapperFor(text) is { } mapper) probes.Add(new EditProbe($"mapper \"{text}\"", judge, 1, Edit($"mapper \"{text}\"", () => new MapperEdit(mapper, mapperStrength))));
        if (editor.HasGlobalDirections)
            foreach (var (target, judge, sign) in globals)
                probes.Add(new EditProbe($"global \"{target}\"", judge, sign, Edit($"global \"{target}\"", () => new GlobalDirectionEdit("a face", target, globalAlpha, beta))));
        if (optimisation > 0 && editor.Space is not null)
            foreach (var (target, judge) in new[] { ("a smiling face", Judge.Happy), ("the face of an old person", Judge.Age) })
                probes.Add(new EditProbe($"optimisation \"{target}\", {optimisation} steps", judge, 1, Optimised(editor,
                    editor.EditOptimisation(target, optimisation, frames: 1, domain: optimisationDomain))));
        var control = nn.functional.normalize(randn([1, 1, editor.Generator.Config.StyleDim], generator: new Generator(20261126)), dim: -1);
        Func<Tensor, Tensor> controlEdit = w => editor.Generator.Synthesize(w + alpha * control);
        foreach (var judge in controls)
            probes.Add(new EditProbe($"control: random W direction +{alpha:0.#}", judge, 1, controlEdit));
        // Each smile edit is judged twice by face-api.js: P(happy), and its log-odds, which still see a smile grow once P rounds to 1.
        return [.. probes.SelectMany(p => p.Judge == Judge.Happy ? [p, p with { Judge = Judge.HappyOdds }] : new[] { p })];
    }

    /// <summary>An optimisation as a probe's edit: each face of W+ [N,L,D] optimised on its own (the optimiser takes one
    /// start), with autograd on inside the check's no_grad; the last frame's images [N,3,H,W].</summary>
    static Func<Tensor, Tensor> Optimised(PackEditor editor, OptimiseEdit request) => w =>
    {
        var images = new List<Tensor>();
        using (enable_grad())
            for (long i = 0; i < w.shape[0]; i++)
            {
                images.Add(EditResult.Last(editor.Optimise(w[TensorIndex.Slice(i, i + 1)], request)).TakeImage());
            }
        return cat(images, 0);
    };

    /// <summary>Age, Male, Happy and HappyOdds are face-api.js's; the rest are the CelebA judge's.</summary>
    public static bool IsFaceApi(Judge judge) => judge is Judge.Age or Judge.Male or Judge.Happy or Judge.HappyOdds;

    static float[] Pick((float[] Age, float[] Male, float[] Happy, float[] HappyOdds, Tensor Descriptors) j, Judge judge) =>
        judge switch { Judge.Age => j.Age, Judge.Male => j.Male, Judge.HappyOdds => j.HappyOdds, _ => j.Happy };
}
