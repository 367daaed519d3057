using FaceWeb.Engine.FaceApi;
using System.ComponentModel;
using System.Text.Json;
using FaceWeb.Engine;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Evaluation;
using FaceWeb.Engine.Generators;
using FaceWeb.Engine.TextImage;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FaceWeb.Cli;

/// <summary>
/// faceweb eval edits --pack DIR [--faces 200] [--alpha 3] [--report FILE] [--grid PNG]: the pack's age, gender and smile
/// edits (sliders, mappers, global directions, and a random-direction control) judged by face-api.js networks.
/// </summary>
public sealed class EvalCommand : Command<EvalCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<WHAT>"), Description("edits, inversion, ssagan, text2face or sketch2face")] public string What { get; init; } = "";
        [CommandOption("--steps <N>"), Description("text2face: optimisation steps (optimise; the prior's refinement)"), DefaultValue(30)] public int Steps { get; init; } = 30;
        [CommandOption("--views <K>"), Description("text2face: random views of each image per optimisation step (0: the image as it is)"), DefaultValue(PackEditor.TextToFaceViews)] public int Views { get; init; } = PackEditor.TextToFaceViews;
        [CommandOption("--rows <ROWS>"), Description("text2face: shared (one offset in W for all rows) or free (every W+ row); default: shared for optimise, free for the prior (ADR 0011)")] public string? Rows { get; init; }
        [CommandOption("--captions"), Description("sketch2face: refine with each held-out face's own caption (from its labels; TediGAN's sketch + text)")] public bool Captions { get; init; }
        [CommandOption("--no-seed-method"), Description("sketch2face: only the encoder's methods, not the seed's-face refinement (before the encoder)")] public bool NoSeedMethod { get; init; }
        [CommandOption("--domain <LAMBDA>"), Description("text2face: λ of TediGAN's in-domain regulariser with the pack's encoder (0: off; default: 6 for optimise when the pack has an encoder, else 0)")] public double? Domain { get; init; }
        [CommandOption("--l2 <LAMBDA>"), Description("text2face: λ_L2 towards the start (default: 0.008 from the prior, 0 from the best random start)")] public double? L2 { get; init; }
        [CommandOption("--per-caption <K>"), Description("text2face: seeds per caption"), DefaultValue(3)] public int PerCaption { get; init; } = 3;
        [CommandOption("--first-seed <S>"), Description("text2face: each caption's seeds are S … S+K−1 (another S checks what was tuned on seeds 0 …); the random samples' are 1000+S+i"), DefaultValue(0L)] public long FirstSeed { get; init; }
        [CommandOption("--methods <LIST>"), Description("text2face: any of attributes,optimise,prior,ssagan"), DefaultValue("attributes,optimise,prior,ssagan")] public string Methods { get; init; } = "attributes,optimise,prior,ssagan";
        [CommandOption("--slider <NAME>"), Description("sweep: the W slider whose projection is set")] public string? Slider { get; init; }
        [CommandOption("--targets <LIST>"), Description("sweep: targets in standard deviations of the pack's samples, e.g. -10,-5,5,10")] public string? Targets { get; init; }
        [CommandOption("--also <LIST>"), Description("sweep: other sliders set at the same time, e.g. male=2,smiling=-5")] public string? Also { get; init; }
        [CommandOption("--found-by <JUDGE>"), Description("text2face, sketch2face, edits --found: the found-as-a-face judge, ssd (calibrated by eval judge) or tiny (the first judge)"), DefaultValue("ssd")] public string FoundBy { get; init; } = "ssd";
        [CommandOption("--datasets <DIR>"), Description("inversion, ssagan, sketch2face, judge: utkface-128 and celeba10k-89x109 (held-out faces are used)")] public string? Datasets { get; init; }
        [CommandOption("--refine <STEPS>"), Description("inversion: projection steps after the start; sketch2face: refinement steps"), DefaultValue(100)] public int Refine { get; init; } = 100;
        [CommandOption("--pack <DIR>")] public string Pack { get; init; } = "";
        [CommandOption("--faces <N>"), DefaultValue(200)] public int Faces { get; init; } = 200;
        [CommandOption("--alpha <A>"), Description("slider distance along each unit normal"), DefaultValue(3.0)] public double Alpha { get; init; } = 3;
        [CommandOption("--global-alpha <A>"), Description("edits: α of the global directions (default: the Edit page's)"), DefaultValue(GlobalDirectionEdit.DefaultAlpha)] public double GlobalAlpha { get; init; } = GlobalDirectionEdit.DefaultAlpha;
        [CommandOption("--optimise <STEPS>"), Description("edits: also StyleCLIP's latent optimisation (the Edit page's λ_L2) towards a smile and old age, this many steps per face (0: none)"), DefaultValue(0)] public int Optimise { get; init; }
        [CommandOption("--optimise-domain <LAMBDA>"), Description("edits --optimise: λ of the in-domain regulariser with the pack's encoder, moving one offset in W (default: the Edit page's, 2 when the pack has an encoder; 0: the paper's plain optimisation of every W+ row)")] public double? OptimiseDomain { get; init; }
        [CommandOption("--found"), Description("edits: also judge every edited face found as a face or not (--found-by), with the unedited sources as the reference")] public bool Found { get; init; }
        [CommandOption("--mapper-strength <S>"), Description("edits: the mappers' strength (the Edit page's default is 1)"), DefaultValue(1.0)] public double MapperStrength { get; init; } = 1;
        [CommandOption("--beta <B>"), Description("edits: β of the global directions (default: the Edit page's)"), DefaultValue(GlobalDirectionEdit.DefaultBeta)] public double Beta { get; init; } = GlobalDirectionEdit.DefaultBeta;
        [CommandOption("--truncation <T>"), DefaultValue(0.7)] public double Truncation { get; init; } = 0.7;
        [CommandOption("--global <SPEC>"), Description("edits: one more global direction to judge, TARGET=JUDGE± (judge: age, male, happy, happyodds, blondhair, eyeglasses, smiling, celebamale), e.g. \"a woman's face=male-\"; repeatable")] public string[] Globals { get; init; } = [];
        [CommandOption("--celeba-judge <FILE>"), Description("edits: the CelebA judge for blond hair and glasses (faceweb train judge; default: " + CelebAJudge.DefaultPath + " when it exists)")] public string? CelebAJudgeFile { get; init; }
        [CommandOption("--faceapi <DIR>"), Description("face-api.js model folder (default: the restored npm package)")] public string? FaceApi { get; init; }
        [CommandOption("--report <FILE>")] public string? Report { get; init; }
        [CommandOption("--grid <PNG>"), Description("before/after grid of the first seeds")] public string? Grid { get; init; }

        public override ValidationResult Validate() =>
            What is not ("edits" or "inversion" or "ssagan" or "text2face" or "sketch2face" or "judge" or "sweep") ? ValidationResult.Error("eval edits, inversion, ssagan, text2face, sketch2face, judge or sweep")
            : What == "sweep" && (Slider is null || Targets is null) ? ValidationResult.Error("eval sweep needs --slider and --targets")
            : FoundBy is not ("ssd" or "tiny") ? ValidationResult.Error("--found-by must be ssd or tiny")
            : Rows is not (null or "shared" or "free") ? ValidationResult.Error("--rows must be shared or free")
            : What is "inversion" or "ssagan" or "sketch2face" or "judge" && Datasets is null ? ValidationResult.Error("--datasets is required")
            : Pack == "" ? ValidationResult.Error("--pack is required")
            : Faces < 1 ? ValidationResult.Error("--faces must be at least 1")
            : FirstSeed < 0 ? ValidationResult.Error("--first-seed must be at least 0")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        if (s.What == "inversion") return Inversion(s, ct);
        if (s.What == "ssagan") return SsaGan(s, ct);
        if (s.What == "text2face") return TextToFace(s, ct);
        if (s.What == "sketch2face") return SketchToFace(s, ct);
        if (s.What == "judge") return Judge(s, ct);
        if (s.What == "sweep") return Sweep(s, ct);
        using var engine = FaceEngine.FromPack(s.Pack);
        var g = engine.Generator;
        string? celeba = s.CelebAJudgeFile ?? (File.Exists(CelebAJudge.DefaultPath) ? CelebAJudge.DefaultPath : null);
        if (celeba is null) Console.Error.WriteLine($"no CelebA judge at {CelebAJudge.DefaultPath} (faceweb train judge): blond hair and glasses are not judged");
        using var judges = EditJudges.Load(s.FaceApi ?? FaceApiModels.Directory(), celeba);
        using var editor = PackEditor.Open(engine, s.Pack);
        using var found = s.Found ? FaceFound.Load(s.FoundBy, s.FaceApi ?? FaceApiModels.Directory()) : null;
        var probes = EditCheck.PackProbes(editor, s.Alpha, s.GlobalAlpha, s.Beta, s.MapperStrength, celeba: celeba is not null,
            extraGlobals: s.Globals.Select(ParseGlobal).ToList(), optimisation: s.Optimise,
            optimisationDomain: s.OptimiseDomain);
        if (probes.Count == 0) throw new ArgumentException($"{s.Pack}: no age, male or smiling slider, mapper or global directions to check");
        List<EditCheckRow> rows = [];
        CliApp.Fraction($"judging {probes.Count} edits on {s.Faces} faces with face-api.js", progress =>
        {
            rows = EditCheck.Run(g, probes, judges, s.Faces, s.Truncation, progress: progress, ct: ct, found: found);
        });
        var table = new Table().AddColumns("edit", "judge", "intended", "moved the right way", "mean change", "identity cos", "same person (d < 0.6)", "face colour shift (levels)", "right way, faces with room", "unchanged (sources at P's end)");
        if (found is not null) table.AddColumn("face found");
        foreach (var r in rows)
            table.AddRow([r.Edit, r.Judge, r.Sign > 0 ? "up" : "down", $"{r.RightWay:P0}", $"{r.MeanChange:+0.000;-0.000}", $"{r.IdentityCosine:F3}", $"{r.SamePerson:P0}", $"{r.ColourShift:F1}",
                double.IsNaN(r.RightWayWithRoom) ? "–" : $"{r.RightWayWithRoom:P0} of {r.FacesWithRoom}",
                $"{r.Unchanged} ({r.AtEnd})", .. found is null ? Array.Empty<string>() : [$"{r.Found:P0}"]]);
        AnsiConsole.Write(table);
        if (found is not null && rows.Count > 0) Console.WriteLine($"face found ({found.Name}) on the unedited sources: {rows[0].SourcesFound:P0}; issue 18's bar is 5 points under it");
        if (s.Report is not null) File.WriteAllText(s.Report, JsonSerializer.Serialize(rows, CliApp.ReportJson));
        if (s.Grid is not null) WriteGrid(s.Grid, g, probes);
        return 0;
    }

    /// <summary>Sketches of the first --faces held-out faces (by name) → faces by every sketch → face method
    /// (<see cref="SketchToFaceCheck"/>): lines, identity, found as a face, time; a grid of real | sketch | outputs.</summary>
    static int SketchToFace(Settings s, CancellationToken ct)
    {
        using var engine = FaceEngine.FromPack(s.Pack);
        using var editor = PackEditor.Open(engine, s.Pack);
        string dir = s.FaceApi ?? FaceApiModels.Directory();
        using var identity = Engine.FaceApi.FaceApiIdentity.Load(dir);
        using var found = FaceFound.Load(s.FoundBy, dir);
        var held = HeldOutFaces(s, ct);
        using var reals = FaceDataset.Batch(held);
        int methods = editor.SketchEncoder is null ? 1 : s.NoSeedMethod ? 2 : 3;
        List<SketchToFaceRow> rows = [];
        Tensor? grid = null;
        CliApp.Progress($"sketch → face on {held.Count} held-out faces", held.Count * methods, tick =>
            (rows, grid) = SketchToFaceCheck.Run(editor, reals, identity, found, new SketchCheckOptions(s.Refine, s.Truncation,
                Captions: s.Captions ? held.Select(f => FaceCaptions.Captions(f.Labels, 1)[0]).ToList() : null, SeedMethod: !s.NoSeedMethod), tick, ct));
        var table = new Table().AddColumns("method", "faces", "lines from the sketch (px)", "identity cos", "same person", "face found", "first face (ms)", "ms per face");
        string P(double v) => double.IsNaN(v) ? "–" : $"{v:P0}";
        string N(double v, string f) => double.IsNaN(v) ? "–" : v.ToString(f, System.Globalization.CultureInfo.InvariantCulture);
        foreach (var r in rows) table.AddRow(r.Method, $"{r.Faces}", N(r.Lines, "F2"), N(r.Identity, "F3"), P(r.SamePerson), P(r.Found), N(r.FirstFrameMs, "F0"), N(r.MillisecondsPerFace, "F0"));
        AnsiConsole.Write(table);
        if (s.Report is not null) File.WriteAllText(s.Report, JsonSerializer.Serialize(rows, CliApp.ReportJson));
        if (s.Grid is not null && grid is not null)
        {
            File.WriteAllBytes(s.Grid, ImageTensors.GridPng(grid, (int)(grid.shape[0] / Math.Min(held.Count, 8))));
            Console.WriteLine($"grid: per row a held-out face, its sketch, then {string.Join(", ", rows.Where(r => !double.IsNaN(r.Lines)).Select(r => r.Method))} → {s.Grid}");
        }
        grid?.Dispose();
        return 0;
    }

    /// <summary>Every text → face method of the pack on TextToFaceCheck's 30 captions × --per-caption seeds, judged by
    /// face-api.js (face found; gender, age bucket, smile agree with the caption), with the pack's random samples as the
    /// reference row; a grid of the first six captions (seed 0), one row per method.</summary>
    static int TextToFace(Settings s, CancellationToken ct)
    {
        using var engine = FaceEngine.FromPack(s.Pack);
        using var editor = PackEditor.Open(engine, s.Pack);
        if (editor.Space is null) throw new ArgumentException($"{s.Pack}: no text–image space");
        string dir = s.FaceApi ?? FaceApiModels.Directory();
        using var judges = EditJudges.Load(dir);
        using var found = FaceFound.Load(s.FoundBy, dir);
        var probes = TextToFaceCheck.Captions.SelectMany(p => Enumerable.Repeat(p, s.PerCaption)).ToList();
        var methods = s.Methods.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(TextToFaceMethods.Parse)
            .Where(m => m != TextToFaceMethod.Prior || editor.HasPrior).Where(m => m != TextToFaceMethod.SsaGan || editor.HasSsaGan)
            .Where(m => m != TextToFaceMethod.Attributes || editor.HasAttributeSliders).ToList();
        var rows = new List<TextToFaceRow>();
        var gridRows = new List<Tensor>();                    // no no_grad here: the optimisations need autograd
        var notFound = new List<string>();                     // "method, not found as a face: caption (seed s); …"
        void Run(string name, Func<int, long> seedOf, Func<int, long, Tensor> make)
        {
            var faces = new List<Tensor>();
            var sw = System.Diagnostics.Stopwatch.StartNew();
            CliApp.Progress($"{name}: {probes.Count} faces", probes.Count, tick =>
            {
                for (int i = 0; i < probes.Count; i++) { ct.ThrowIfCancellationRequested(); faces.Add(make(i, seedOf(i))); tick(); }
            });
            double ms = sw.Elapsed.TotalMilliseconds / probes.Count;
            using var all = cat(faces, 0);
            var row = TextToFaceCheck.Judge(name, all, probes, judges, found, editor.Space!, ms);
            rows.Add(row);
            if (row.NotFound is { Count: > 0 } missed)
                notFound.Add($"{name}, not found as a face: {string.Join("; ", missed.Select(i => $"{probes[i].Caption} (seed {seedOf(i)})"))}");
            gridRows.Add(cat(Enumerable.Range(0, 6).Select(k => faces[k * s.PerCaption].clone()).ToList(), 0));
            foreach (var f in faces) f.Dispose();
        }
        Run("random samples (reference)", i => 1000 + s.FirstSeed + i, (_, seed) => { using var start = editor.SeedStart(seed, s.Truncation); using var r = editor.Render(start); return r.Image.clone(); });
        foreach (var method in methods)
            Run(method.Verb(), i => s.FirstSeed + i % s.PerCaption, (i, seed) =>
            {
                return EditResult.Last(editor.TextToFace(probes[i].Caption, seed, method, method == TextToFaceMethod.SsaGan ? 0 : s.Steps, s.Truncation,
                    frames: 1, views: s.Views, shared: s.Rows is null ? null : s.Rows == "shared", l2: s.L2, domain: s.Domain, ct: ct)).TakeImage();
            });
        var table = new Table().AddColumns("method", "faces", "face found", "gender agrees", "age bucket agrees", "smile agrees", "text score", "ms per face");
        string P(double v) => double.IsNaN(v) ? "–" : $"{v:P0}";
        foreach (var r in rows) table.AddRow(r.Method, $"{r.Faces}", P(r.Found), P(r.Gender), P(r.Age), P(r.Smile), $"{r.TextScore:F3}", $"{r.MillisecondsPerFace:F0}");
        AnsiConsole.Write(table);
        foreach (var line in notFound) Console.WriteLine(line);
        if (methods.Contains(TextToFaceMethod.Attributes))
        {
            // What the attributes method read, before any face: a miss here is the reading's, not the generator's. The
            // wordings were chosen on ReadingCaptions; the check's 30 captions then test them.
            var reading = new Table().AddColumns("read (attributes)", "captions", "naming it", "read right", "read wrong", "not read", "read where not named");
            var lines = new List<string>();
            foreach (var (list, name) in new[] { (TextToFaceCheck.Captions, "the check's"), (TextToFaceCheck.ReadingCaptions, "chosen on") })
                foreach (var r in TextToFaceCheck.Reading(list, editor.ReadCaption))
                {
                    reading.AddRow(r.Attribute, $"{name} {list.Count}", $"{r.Said}", $"{r.Right}", $"{r.Wrong}", $"{r.Missed}", $"{r.ReadUnsaid.Count} of {r.Unsaid}");
                    foreach (var (what, items) in new[] { ("read wrong", r.ReadWrong), ("named but not read", r.NotRead), ("read where not named", r.ReadUnsaid) })
                        if (items.Count > 0) lines.Add($"{r.Attribute}, {what} ({name} {list.Count}): {string.Join("; ", items)}");
                }
            AnsiConsole.Write(reading);
            foreach (var l in lines) Console.WriteLine(l);
        }
        if (s.Report is not null) File.WriteAllText(s.Report, JsonSerializer.Serialize(rows, CliApp.ReportJson));
        if (s.Grid is not null)
        {
            File.WriteAllBytes(s.Grid, ImageTensors.GridPng(cat(gridRows, 0), 6));
            Console.WriteLine($"grid: rows {string.Join(", ", rows.Select(r => r.Method))}; columns: {string.Join(" / ", TextToFaceCheck.Captions.Take(6).Select(c => c.Caption))} (seed {s.FirstSeed}) → {s.Grid}");
        }
        foreach (var t in gridRows) t.Dispose();
        return 0;
    }

    /// <summary>One slider's projection set to each target (σ of the pack's samples) on --faces faces of seeds 3000…,
    /// judged by face-api.js (<see cref="SliderSweep"/>): how ADR 0014's attribute targets were chosen.</summary>
    static int Sweep(Settings s, CancellationToken ct)
    {
        static double Number(string text, string what) => double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v : throw new ArgumentException($"{what}: '{text}' is not a number");
        var targets = s.Targets!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => Number(t, "--targets")).ToList();
        var also = (s.Also ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(a =>
        {
            var parts = a.Split('=', 2, StringSplitOptions.TrimEntries);
            return parts.Length == 2 ? (parts[0], Number(parts[1], "--also")) : throw new ArgumentException($"--also: '{a}' is not NAME=TARGET");
        }).ToList();
        using var engine = FaceEngine.FromPack(s.Pack);
        using var editor = PackEditor.Open(engine, s.Pack);
        string dir = s.FaceApi ?? FaceApiModels.Directory();
        using var judges = EditJudges.Load(dir);
        using var found = FaceFound.Load(s.FoundBy, dir);
        List<SliderSweepRow> rows = [];
        CliApp.Progress($"{s.Slider} at {targets.Count} targets on {s.Faces} faces", targets.Count, tick =>
            rows = SliderSweep.Run(editor, s.Slider!, targets, also, judges, found, s.Faces, s.Truncation, tick: tick));
        var table = new Table().AddColumns("slider", "target", "with", "faces", "face-api age", "age buckets", "male", "happy", "face found");
        foreach (var r in rows)
            table.AddRow(r.Slider, $"{r.Target:+0.#;-0.#}σ", r.Also == "" ? "–" : r.Also, $"{r.Faces}", $"{r.MeanAge:F1}", r.AgeBuckets, $"{r.Male:P0}", $"{r.Happy:P0}", $"{r.Found:P0}");
        AnsiConsole.Write(table);
        if (s.Report is not null) File.WriteAllText(s.Report, JsonSerializer.Serialize(rows, CliApp.ReportJson));
        return 0;
    }

    /// <summary>The first --faces held-out faces of --datasets, by name (faces no model of the pack was trained on).</summary>
    static List<FaceSample> HeldOutFaces(Settings s, CancellationToken ct) => [.. AllHeldOutFaces(s, ct).Take(s.Faces)];

    static List<FaceSample> AllHeldOutFaces(Settings s, CancellationToken ct) =>
        [.. DefaultPackCommands.ReadFaces(s.Datasets!, ct).Where(f => FaceCaptions.IsHeldOut(f.Labels.Image)).OrderBy(f => f.Labels.Image, StringComparer.Ordinal)];

    /// <summary>Calibrates the found-as-a-face judges (<see cref="FaceFoundCalibration"/>): each on --faces of the pack's
    /// random samples, held-out real faces and images that are not faces; the bar a method's outputs must reach is the
    /// samples' rate minus 5 points (issue 18).</summary>
    static int Judge(Settings s, CancellationToken ct)
    {
        using var engine = FaceEngine.FromPack(s.Pack);
        using var editor = PackEditor.Open(engine, s.Pack);
        string dir = s.FaceApi ?? FaceApiModels.Directory();
        using var ssd = FaceFound.Load("ssd", dir);
        using var tiny = FaceFound.Load("tiny", dir);
        IFaceFound[] judges = [ssd, tiny];
        var heldOut = AllHeldOutFaces(s, ct);
        var held = heldOut.Take(s.Faces).ToList();
        using var reals = FaceDataset.Batch(held);
        List<FaceFoundRow> rows = [];
        CliApp.Progress($"judging {s.Faces} images of each set", s.Faces + 5, tick => rows = FaceFoundCalibration.Run(editor, reals, judges, s.Faces, s.Truncation, tick));
        var table = new Table().AddColumns(["set", "images", "faces?", .. judges.Select(j => $"found: {j.Name} (mean best score)")]);
        foreach (var r in rows)
            table.AddRow([r.Set, $"{r.Images}", r.Faces ? "yes" : "no", .. r.Found.Select((f, k) => $"{f:P0} ({r.MeanScore[k]:F2})")]);
        AnsiConsole.Write(table);
        for (int k = 0; k < judges.Length; k++)
            Console.WriteLine($"bar for \"found as a face\" with {judges[k].Name}: {Math.Max(0, rows[0].Found[k] - 0.05):P0} (the samples' rate − 5 points)");

        // The age judge on every held-out face with an age label (UTKFace's), read as text → face's outputs are.
        var aged = heldOut.Where(f => f.Labels.Age is not null).ToList();
        using var ageJudge = EditJudges.Load(dir);
        List<AgeJudgeRow> ages = [];
        using (var agedFaces = FaceDataset.Batch(aged))
            CliApp.Progress($"reading the age of {aged.Count} held-out faces with labels", (aged.Count + 63) / 64,
                tick => ages = AgeJudgeCalibration.Run(ageJudge, agedFaces, [.. aged.Select(f => f.Labels.Age!.Value)], batch: 64, tick: tick, ct: ct));
        var ageTable = new Table().AddColumns(["labelled age", "faces", "mean label", "mean read", "read in the same bucket", .. AgeJudgeCalibration.Buckets.Select(b => $"read as {b}")]);
        foreach (var r in ages)
            ageTable.AddRow([r.Bucket, $"{r.Faces}", $"{r.MeanLabel:F1}", $"{r.MeanRead:F1}", $"{r.Agree:P0}", .. r.ReadAs.Select(v => $"{v:P0}")]);
        AnsiConsole.Write(ageTable);
        if (s.Report is not null) File.WriteAllText(s.Report, JsonSerializer.Serialize(new { judges = judges.Select(j => j.Name), rows, ages }, CliApp.ReportJson));
        return 0;
    }

    /// <summary>The pack's SSA-GAN on held-out captions (one caption of each held-out face, seed = its index): R-precision
    /// in the pack's text–image space (1 true caption against 99, top-1; the real faces' own as the ceiling), the
    /// Fréchet distance to the held-out faces in the model card's random feature space (train reals as the floor), and a
    /// grid of captions × seeds with a row of masks.</summary>
    static int SsaGan(Settings s, CancellationToken ct)
    {
        var pack = ModelPack.Load(s.Pack);
        using var space = FaceClipSpace.FromPack(pack) ?? throw new ArgumentException($"{s.Pack}: no FaceCLIP-mini");
        using var model = Engine.Generators.SsaGan.SsaGanModel.Load(pack.PathOf(ModelPack.SsaGanRole));
        var (train, held) = DefaultPackCommands.LoadCaptioned(s.Datasets!, 1, ct);
        int n = Math.Min(s.Faces, Math.Min(held.Count, train.Count));
        var captions = held.Take(n).Select(h => h.Captions[0]).ToList();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var textEmb = cat(captions.Chunk(256).Select(c => space.EmbedTexts(c)).ToList(), 0);              // [n,E]
        var generated = new List<Tensor>();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        CliApp.Progress($"SSA-GAN on {n} held-out captions", (n + 49) / 50, tick =>
        {
            for (int i = 0; i < n; i += 50)
            {
                ct.ThrowIfCancellationRequested();
                var idx = Enumerable.Range(i, Math.Min(50, n - i)).ToList();
                using var o = model.Generate(textEmb[TensorIndex.Slice(i, i + idx.Count)], idx.Select(k => (long)k).ToList());
                generated.Add(o.Image.clone());
                tick();
            }
        });
        double msPerFace = sw.Elapsed.TotalMilliseconds / n;
        var fake = cat(generated, 0);
        Tensor Reals(IEnumerable<FaceSample> set) => cat(set.Chunk(256).Select(c => FaceDataset.Batch(c.ToList())).ToList(), 0);
        var heldReal = Reals(held.Take(n).Select(h => h.Sample));
        var trainReal = Reals(train.Take(n).Select(t => t.Sample));
        Tensor Embed(Tensor x) => cat(Enumerable.Range(0, (int)((x.shape[0] + 255) / 256)).Select(k => space.EmbedImages(x[TensorIndex.Slice(k * 256, Math.Min(x.shape[0], (k + 1) * 256))])).ToList(), 0);
        var truth = Enumerable.Range(0, n).ToList();
        double rGen = GenerativeMetrics.RPrecision(Embed(fake), textEmb, truth, captions), rReal = GenerativeMetrics.RPrecision(Embed(heldReal), textEmb, truth, captions);
        using var net = new GenerativeMetrics.RandomFeatureNet();
        Tensor Feat(Tensor x) => cat(Enumerable.Range(0, (int)((x.shape[0] + 199) / 200)).Select(k => net.Features(x[TensorIndex.Slice(k * 200, Math.Min(x.shape[0], (k + 1) * 200))])).ToList(), 0);
        var fHeld = Feat(heldReal);
        double fd = GenerativeMetrics.Frechet(Feat(fake.clamp(-1, 1)), fHeld), floor = GenerativeMetrics.Frechet(Feat(trainReal), fHeld);
        var table = new Table().AddColumns("held-out captions", "R-precision (1 of 100)", "real faces' R-precision", "FD-rand to held-out faces", "floor (train reals)", "ms per face");
        table.AddRow($"{n}", $"{rGen:P1}", $"{rReal:P1}", $"{fd:F3}", $"{floor:F3}", $"{msPerFace:F1}");
        AnsiConsole.Write(table);
        if (s.Report is not null)
            File.WriteAllText(s.Report, JsonSerializer.Serialize(new { n, r_precision = rGen, r_precision_real = rReal, fd_randnet = fd, fd_randnet_floor = floor, ms_per_face = msPerFace },
                CliApp.ReportJson));
        if (s.Grid is not null)
        {
            string[] shown = ["a smiling young woman with blond hair", "an old man with a grey beard", "a middle-aged man wearing glasses",
                "a serious young man with black hair", "a young woman with brown hair and heavy makeup", "a smiling child"];
            var rows = new List<Tensor>();
            foreach (var caption in shown)
            {
                using var o = model.Generate(space, Enumerable.Repeat(caption, 4).ToList(), [0, 1, 2, 3]);
                rows.Add(o.Image.clone());
                rows.Add(o.TextMask().expand(-1, 3, -1, -1) * 2 - 1);
            }
            File.WriteAllBytes(s.Grid, ImageTensors.GridPng(cat(rows, 0), 4));
            Console.WriteLine($"grid: {string.Join(" / ", shown)} (seeds 0–3; under each row its last-stage mask, white where the text acted) → {s.Grid}");
        }
        return 0;
    }

    /// <summary>Held-out faces (already in the pack's framing) reconstructed from the encoder alone, the encoder plus
    /// refinement and the mean latent plus refinement: pixel error and face-api.js identity per start.</summary>
    static int Inversion(Settings s, CancellationToken ct)
    {
        using var engine = FaceEngine.FromPack(s.Pack);
        var g = engine.Generator;
        var pack = ModelPack.Load(s.Pack);
        using var encoder = pack.Manifest.Files.Any(f => f.Role == ModelPack.EncoderRole) ? Engine.Inversion.PackEncoder.Load(pack.PathOf(ModelPack.EncoderRole)) : null;
        using var identity = Engine.FaceApi.FaceApiIdentity.Load(s.FaceApi ?? FaceApiModels.Directory());
        var held = HeldOutFaces(s, ct);
        var methods = new List<(string Name, Func<Tensor, Tensor> Start, int Steps)>();
        if (encoder is not null)
        {
            methods.Add(("encoder", t => encoder.Invert(t), 0));
            methods.Add(($"encoder + {s.Refine} steps", t => encoder.Invert(t), s.Refine));
        }
        methods.Add(($"mean latent + {s.Refine} steps", _ => Engine.Editing.TediGan.MeanStart(g), s.Refine));
        var sums = methods.Select(_ => (Pixel: 0.0, Cos: 0.0, Same: 0)).ToArray();
        CliApp.Progress($"reconstructing {held.Count} held-out faces", held.Count * methods.Count, tick =>
        {
            foreach (var face in held)
            {
                using var target = FaceDataset.Batch([face]);
                for (int m = 0; m < methods.Count; m++)
                {
                    using var start = methods[m].Start(target);
                    var latent = start.clone();
                    if (methods[m].Steps > 0)
                        foreach (var f in Engine.Inversion.Projector.Run(g, target, start, new Engine.Inversion.ProjectionOptions(methods[m].Steps, FrameEvery: methods[m].Steps), null, null, ct))
                            if (f.Latent is not null) { latent.Dispose(); latent = f.Latent; f.Image?.Dispose(); }
                    using var _ = no_grad();
                    using var image = g.Synthesize(latent);
                    latent.Dispose();
                    sums[m].Pixel += (image.clamp(-1, 1) - target).abs().mean().item<float>() / 2;
                    using var scope = NewDisposeScope();
                    var (da, db) = (identity.DescriptorOfGenerated(image), identity.DescriptorOfGenerated(target));   // one pass each
                    sums[m].Cos += nn.functional.cosine_similarity(da, db, 1).item<float>();
                    sums[m].Same += (da - db).norm().item<float>() < Engine.FaceApi.FaceApiIdentity.SamePersonDistance ? 1 : 0;
                    tick();
                }
            }
        });
        var table = new Table().AddColumns("start", "faces", "pixel error (0–1)", "identity cos (face-api)", "same person (d < 0.6)");
        var rows = methods.Select((m, i) => new { start = m.Name, faces = held.Count, pixel = sums[i].Pixel / held.Count, identity = sums[i].Cos / held.Count, samePerson = sums[i].Same / (double)held.Count }).ToList();
        foreach (var r in rows) table.AddRow(r.start, $"{r.faces}", $"{r.pixel:F4}", $"{r.identity:F3}", $"{r.samePerson:P0}");
        AnsiConsole.Write(table);
        if (s.Report is not null) File.WriteAllText(s.Report, JsonSerializer.Serialize(rows, CliApp.ReportJson));
        return 0;
    }

    /// <summary>"TARGET=JUDGE+" or "TARGET=JUDGE-" → a global direction probe's target, judge and intended sign.</summary>
    internal static (string Target, Judge Judge, int Sign) ParseGlobal(string spec)
    {
        int eq = spec.LastIndexOf('=');
        string judge = eq < 0 ? "" : spec[(eq + 1)..].Trim();
        if (eq < 1 || judge.Length < 2 || judge[^1] is not ('+' or '-') || !Enum.TryParse<Judge>(judge[..^1], ignoreCase: true, out var j) || !Enum.IsDefined(j))
            throw new ArgumentException($"--global '{spec}': expected TARGET=JUDGE+ or TARGET=JUDGE- with a judge among {string.Join(", ", Enum.GetNames<Judge>().Select(n => n.ToLowerInvariant()))}");
        return (spec[..eq].Trim(), j, judge[^1] == '+' ? 1 : -1);
    }

    static void WriteGrid(string file, Engine.Generators.StyleGan2.StyleGan2Generator g, List<EditProbe> probes)
    {
        var shown = probes.Where(p => !p.Name.StartsWith("control", StringComparison.Ordinal)).DistinctBy(p => p.Name).ToList();   // one column per edit, however many judges
        var images = new List<Tensor>();
        var captions = new List<IReadOnlyList<string>>();
        using var _ = no_grad();
        for (int seed = 0; seed < 4; seed++)
        {
            var w = g.WPlusFromZ(randn([1, g.Config.StyleDim], generator: new Generator((ulong)seed)), 0.7);
            images.Add(g.Synthesize(w)); captions.Add([$"seed {seed}", "source"]);
            foreach (var p in shown) { images.Add(p.Edit(w)); captions.Add([p.Name]); }
        }
        File.WriteAllBytes(file, CaptionedGrid.Png(images, captions, shown.Count + 1, 96));
        foreach (var t in images) t.Dispose();
    }
}
