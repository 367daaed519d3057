using System.Security.Cryptography;
using System.Text;
using System.Globalization;
using System.Text.Json;
using FaceWeb.Engine;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Evaluation;
using FaceWeb.Engine.TextImage;
using Spectre.Console;
using static TorchSharp.torch;

namespace FaceWeb.Cli;

/// <summary>
/// The default pack's own models: <c>train faceclip</c> (the image tower), <c>train attributes</c> (the classifier on its
/// trunk) and <c>precompute boundaries</c> (the built-in sliders, scored by that classifier).
/// </summary>
static class DefaultPackCommands
{
    public const string TowerFile = "faceclip_image.safetensors", AttributesFile = "attributes.safetensors";

    public static int TrainFaceClip(TrainCommand.Settings s, CancellationToken ct)
    {
        var (train, held) = LoadCaptioned(s.Datasets!, s.PerImage, ct);
        if (s.Report is not null) File.WriteAllText(s.Report, "{}");             // fail on an unwritable report path now, not after training
        using var textEnc = new MiniLmTextEncoder();
        var (emb, trainRows, heldRows) = EmbedCaptions(textEnc, train, held, s.Cache, ct);
        using var _ = emb;
        using var tower = new FaceClipImageTower();
        var o = new FaceClipTrainingOptions(s.TrainSteps, s.TrainBatch, s.LearningRate, Seed: s.Seed, Views: s.Views);
        FaceClipStep last = default;
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training FaceCLIP-mini", maxValue: s.TrainSteps);
                foreach (var step in FaceClipTraining.Train(tower, train.Select(t => t.Sample).ToList(), trainRows, emb, o, ct))
                {
                    last = step;
                    task.Description = $"training FaceCLIP-mini · loss {step.Loss:F3} · scale {step.Scale:F1}";
                    task.Increment(1);
                    if (step.Step % 100 == 0) Console.Error.WriteLine($"step {step.Step}: loss {step.Loss:F4}, scale {step.Scale:F2}, lr {step.LearningRate:G3}");
                }
            });
        string path = Path.Combine(s.Pack, TowerFile);
        tower.Save(path);
        ModelPack.AddFile(s.Pack, ModelPack.FaceClipRole, TowerFile);
        Console.WriteLine($"final loss {last.Loss:F4}, scale {last.Scale:F1}; wrote {TowerFile} and updated the manifest");
        var report = Evaluate(tower, textEnc, held, emb, heldRows);
        if (s.Report is not null) File.WriteAllText(s.Report, JsonSerializer.Serialize(report, CliApp.ReportJson));
        return 0;
    }

    public const string SsaGanFile = "ssagan.safetensors";

    /// <summary>faceweb train ssagan --pack DIR --datasets DIR [--state FILE]: a 64 px SSA-GAN on the captioned faces,
    /// conditioned on MiniLM through a learned projection (ADR 0009); resumes from --state, saves it every 100 steps and
    /// on cancel; writes the pack's ssagan role at the end.</summary>
    public static int TrainSsaGan(TrainCommand.Settings s, CancellationToken ct)
    {
        var (train, _) = LoadCaptioned(s.Datasets!, s.PerImage, ct);
        using var textEnc = new MiniLmTextEncoder();
        var (emb, trainRows, _) = EmbedCaptions(textEnc, train, [], s.Cache, ct);
        using var _e = emb;
        var pack = ModelPack.Load(s.Pack);
        using var space = FaceClipSpace.FromPack(pack);
        var config = Engine.Generators.SsaGan.SsaGanConfig.Reference(s.Ngf, FaceDataset.Size);
        var model = new Engine.Generators.SsaGan.SsaGanModel(new Engine.Generators.SsaGan.NetG(config), MiniLmTextEncoder.Dimensions);
        var d = Engine.Generators.SsaGan.NetD.Reference(s.Ngf, FaceDataset.Size, config.SentenceDim);
        int start = 0;
        string state = s.State ?? Path.Combine(s.Pack, "ssagan_training.safetensors");
        if (File.Exists(state))
        {
            var saved = SafeTensors.Load(state, out var meta);
            StrictLoader.Load(model, saved.Where(kv => !kv.Key.StartsWith("netD.", StringComparison.Ordinal)).ToDictionary(), state);
            StrictLoader.Load(d, saved.Where(kv => kv.Key.StartsWith("netD.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[5..], kv => kv.Value), state);
            foreach (var t in saved.Values) t.Dispose();
            start = int.Parse(meta.GetValueOrDefault("step", "0"), System.Globalization.CultureInfo.InvariantCulture);
            Console.WriteLine($"resuming from step {start} ({state})");
        }
        var o = new Engine.Generators.SsaGan.SsaGanTrainingOptions(s.TrainSteps, s.TrainBatch, Seed: s.Seed);
        int done = start;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("training SSA-GAN", maxValue: s.TrainSteps);
                    task.Increment(start);
                    foreach (var step in Engine.Generators.SsaGan.SsaGanTraining.Train(model, d, train.Select(t => t.Sample).ToList(), trainRows, emb, o, space, start, ct))
                    {
                        done = step.Step;
                        task.Description = $"training SSA-GAN · D {step.LossD:F3} · G {step.LossG:F3} · GP {step.GradientPenalty:F3}";
                        task.Increment(1);
                        if (step.Step % 20 == 0)
                            Console.Error.WriteLine($"step {step.Step}: D {step.LossD:F4}, G {step.LossG:F4}, GP {step.GradientPenalty:F4}, D(real) {step.Real:F3}, D(fake) {step.Fake:F3}, {sw.Elapsed.TotalSeconds / (step.Step - start):F2} s/step");
                        if (step.Step % 100 == 0) Engine.Generators.SsaGan.SsaGanTraining.Save(state, model, d, step.Step, "all-MiniLM-L6-v2");
                    }
                });
        }
        catch (OperationCanceledException)
        {
            if (done > start) Engine.Generators.SsaGan.SsaGanTraining.Save(state, model, d, done, "all-MiniLM-L6-v2");    // resumable after a cancel
            Console.Error.WriteLine($"cancelled at step {done}; run the same command again to resume from {state}");
            throw;
        }
        model.Save(Path.Combine(s.Pack, SsaGanFile), "all-MiniLM-L6-v2", new Dictionary<string, string> { ["steps"] = $"{done}", ["batch"] = $"{s.TrainBatch}", ["ngf"] = $"{s.Ngf}" });
        ModelPack.AddFile(s.Pack, ModelPack.SsaGanRole, SsaGanFile);
        Console.WriteLine($"{done} steps of {s.TrainBatch} in {sw.Elapsed.TotalMinutes:F1} min; wrote {SsaGanFile} and updated the manifest");
        model.Dispose(); d.Dispose();
        return 0;
    }

    public static int TrainAttributes(TrainCommand.Settings s, CancellationToken ct)
    {
        var pack = ModelPack.Load(s.Pack);
        using var tower = FaceClipImageTower.Load(pack.PathOf(ModelPack.FaceClipRole));
        var samples = ReadFaces(s.Datasets!, ct);
        var train = samples.Where(x => !FaceCaptions.IsHeldOut(x.Labels.Image)).ToList();
        var held = samples.Where(x => FaceCaptions.IsHeldOut(x.Labels.Image)).ToList();
        if (s.Report is not null) File.WriteAllText(s.Report, "{}");
        var names = samples.Where(x => x.Labels.Source == "celeba").SelectMany(x => x.Labels.Attributes).Distinct().Order(StringComparer.Ordinal).ToList();
        if (!names.Contains("Male")) names.Add("Male");
        using var scope = NewDisposeScope();
        Tensor trainFeatures = null!, heldFeatures = null!;
        AnsiConsole.Progress().Start(ctx =>
        {
            var task = ctx.AddTask("trunk features (train, mirrored train, held out)", maxValue: 2 * train.Count + held.Count);
            trainFeatures = cat([Features(tower, train, false, task, ct), Features(tower, train, true, task, ct)], 0);
            heldFeatures = Features(tower, held, false, task, ct);
        });
        var labels = train.Concat(train).Select(x => x.Labels).ToList();
        var (targets, mask, ages) = AttributeClassifier.Targets(labels, names);
        using var classifier = new AttributeClassifier(names, tower.FeatureDim);
        var o = new AttributeTrainingOptions(s.TrainSteps, s.TrainBatch, s.LearningRate, Seed: s.Seed);
        AnsiConsole.Progress().Start(ctx =>
        {
            var task = ctx.AddTask("training the attribute head", maxValue: o.Steps);
            foreach (var (step, loss) in classifier.Train(trainFeatures, targets, mask, ages, o, ct))
            {
                task.Description = $"training the attribute head · loss {loss:F3}";
                task.Increment(1);
            }
        });
        var rows = classifier.Evaluate(heldFeatures, held.Select(x => x.Labels).ToList());
        var table = new Table().AddColumns("attribute (held out)", "images", "accuracy", "majority");
        foreach (var r in rows) table.AddRow(r.Attribute, $"{r.Count}", $"{r.Accuracy:P1}", $"{r.Majority:P1}");
        AnsiConsole.Write(table);
        classifier.Save(Path.Combine(s.Pack, AttributesFile));
        ModelPack.AddFile(s.Pack, ModelPack.AttributesRole, AttributesFile);
        Console.WriteLine($"wrote {AttributesFile} ({names.Count} attributes + {AttributeClassifier.AgeBuckets.Length} age buckets) and updated the manifest");
        if (s.Report is not null) File.WriteAllText(s.Report, JsonSerializer.Serialize(rows, CliApp.ReportJson));
        return 0;
    }

    /// <summary>The independent CelebA judge for eval edits (<see cref="CelebAJudge"/>): trained on CelebA's training split,
    /// validated on its held-out split; written outside the pack (default <see cref="CelebAJudge.DefaultPath"/>).</summary>
    public static int TrainJudge(TrainCommand.Settings s, CancellationToken ct)
    {
        var celeba = ReadFaces(s.Datasets!, ct).Where(x => x.Labels.Source == "celeba").ToList();
        var train = celeba.Where(x => !FaceCaptions.IsHeldOut(x.Labels.Image)).ToList();
        var held = celeba.Where(x => FaceCaptions.IsHeldOut(x.Labels.Image)).ToList();
        if (train.Count == 0 || held.Count == 0) throw new ArgumentException($"{s.Datasets}: the judge needs CelebA faces ({FaceDataset.CelebA}) in both splits");
        using var judge = new CelebAJudge(CelebAJudge.DefaultAttributes);
        var o = new CelebAJudgeOptions(s.Epochs, s.Batch ?? 64, s.LearningRate, Seed: s.Seed);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        AnsiConsole.Progress().Start(ctx =>
        {
            var task = ctx.AddTask($"training the CelebA judge on {train.Count} faces", maxValue: 1);
            foreach (var (fraction, loss) in judge.Train(train, o, ct))
            {
                task.Description = $"training the CelebA judge on {train.Count} faces · loss {loss:F3}";
                task.Value = fraction;
            }
        });
        var rows = judge.Evaluate(held);
        var table = new Table().AddColumns("attribute (CelebA held out)", "images", "accuracy", "balanced accuracy", "ROC AUC", "majority");
        foreach (var r in rows) table.AddRow(r.Attribute, $"{r.Count}", $"{r.Accuracy:P1}", $"{r.Balanced:P1}", $"{r.Auc:F3}", $"{r.Majority:P1}");
        AnsiConsole.Write(table);
        string path = s.Out ?? CelebAJudge.DefaultPath;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        judge.Save(path);
        Console.WriteLine($"{o.Epochs} epochs in {sw.Elapsed.TotalMinutes:F1} min; wrote {path}");
        if (s.Report is not null)
            File.WriteAllText(s.Report, JsonSerializer.Serialize(rows.Select(r => new { r.Attribute, r.Count, r.Accuracy, r.Balanced, r.Auc, r.Majority }),
                CliApp.ReportJson));   // NaN: a class absent from the held-out split
        return 0;
    }

    static Tensor Features(FaceClipImageTower tower, List<FaceSample> set, bool mirror, ProgressTask task, CancellationToken ct)
    {
        using var _ = no_grad();
        var parts = new List<Tensor>();
        for (int i = 0; i < set.Count; i += 256)
        {
            ct.ThrowIfCancellationRequested();
            using var x = FaceDataset.Batch(set.Skip(i).Take(256).ToList());
            using var input = mirror ? x.flip(3) : x.alias();
            parts.Add(tower.Features(input));
            task.Increment(Math.Min(256, set.Count - i));
        }
        return cat(parts, 0);
    }

    /// <summary>faceweb precompute boundaries --pack DIR: the built-in sliders, each scored by the pack's classifier.</summary>
    public static int PrecomputeBoundaries(PrecomputeCommand.Settings s, CancellationToken ct)
    {
        var pack = ModelPack.Load(s.Pack);
        using var engine = FaceEngine.FromPack(s.Pack);
        using var tower = FaceClipImageTower.Load(pack.PathOf(ModelPack.FaceClipRole));
        using var classifier = AttributeClassifier.Load(pack.PathOf(ModelPack.AttributesRole));
        List<IAttributeScorer> scorers = [.. ClassifierScorer.BuiltIn.Select(b => new ClassifierScorer(tower, classifier, b.Slider, b.Attribute, b.Sign))];
        if (s.KeepColour) scorers.Add(new FaceBrightnessScorer());                                // the condition shares the renders
        var o = new BoundaryOptions(s.Samples, s.Ratio);
        (Tensor Codes, Tensor[] Scores) sampled = default;
        CliApp.Fraction($"rendering and scoring {s.Samples} samples for {scorers.Count} attributes", progress =>
        {
            sampled = BoundaryTrainer.Sample(engine.Generator, scorers, o, progress, ct);
        });
        var builtIn = ClassifierScorer.BuiltIn;
        var fitted = BoundaryTrainer.FitSliders(sampled.Codes!, sampled.Scores![..builtIn.Count], o,
            s.KeepColour ? sampled.Scores[^1] : null, FaceBrightnessScorer.Name, i => !builtIn[i].AboutColour);
        var table = new Table().AddColumns("slider", "classifier output", "SVM validation", "train", "per side", "kept fixed (cos with the plain normal)");
        var report = new List<object>();
        for (int i = 0; i < builtIn.Count; i++)
        {
            var (slider, attr, sign, _) = builtIn[i];
            var (b, cos) = fitted[i];
            string file = $"boundary-{ModelPack.Slug(slider)}.safetensors";
            BoundaryTrainer.Save(b, slider, Path.Combine(s.Pack, file));
            ModelPack.AddFile(s.Pack, $"{ModelPack.BoundaryRole}{slider}", file);
            table.AddRow(slider, sign < 0 ? $"−{attr}" : attr, $"{b.ValidationAccuracy:P1}", $"{b.TrainAccuracy:P1}", $"{b.TrainPerSide}+{b.ValidationPerSide}",
                b.ConditionedOn is null ? "–" : $"{b.ConditionedOn} ({cos:F3})");
            report.Add(new { slider, attribute = attr, sign, validation = b.ValidationAccuracy, train = b.TrainAccuracy, conditionedOn = b.ConditionedOn, cosineWithPlain = cos });
            b.Normal.Dispose();
        }
        AnsiConsole.Write(table);
        if (s.Report is not null) File.WriteAllText(s.Report, JsonSerializer.Serialize(report, CliApp.ReportJson));
        return 0;
    }

    /// <summary>faceweb train encoder --pack DIR [--steps 1200] [--batch 16]: the pack's own W+ encoder.</summary>
    public static int TrainEncoder(TrainCommand.Settings s, CancellationToken ct)
    {
        using var engine = FaceEngine.FromPack(s.Pack);
        var g = engine.Generator;
        using var encoder = new Engine.Inversion.PackEncoder(g.Config.NLatent, g.Config.StyleDim);
        var o = new Engine.Inversion.EncoderTrainingOptions(s.TrainSteps, s.TrainBatch, s.LearningRate, Seed: s.Seed);
        var last = EncoderProgress("training the encoder", 0, o.Steps, encoder.Train(g, o, ct), null);
        encoder.Save(Path.Combine(s.Pack, EncoderFile));
        ModelPack.AddFile(s.Pack, ModelPack.EncoderRole, EncoderFile);
        Console.WriteLine($"final latent loss {last.LatentLoss:F4}, image loss {last.ImageLoss:F4}; wrote {EncoderFile} and updated the manifest");
        return 0;
    }

    /// <summary>faceweb train sketch-encoder --pack DIR [--steps 3000] [--batch 16] [--state FILE]: TediGAN's sketch → W+
    /// encoder for the pack, on randomised sketches of its samples. Resumable: the weights and the step are saved to
    /// the state file every 100 steps and at the end, and picked up from there (Adam's moments start again).</summary>
    public static int TrainSketchEncoder(TrainCommand.Settings s, CancellationToken ct)
    {
        using var engine = FaceEngine.FromPack(s.Pack);
        var g = engine.Generator;
        string state = s.State ?? Path.Combine(s.Pack, "sketch_encoder_training.safetensors");
        int start = 0;
        IReadOnlyDictionary<string, string>? meta = null;
        var encoder = File.Exists(state) ? Engine.Inversion.SketchEncoder.Load(state, out meta) : new Engine.Inversion.SketchEncoder(g.Config.NLatent, g.Config.StyleDim);
        using var _ = encoder;
        if (meta is not null)
        {
            start = int.Parse(meta.GetValueOrDefault("step", "0"), CultureInfo.InvariantCulture);
            Console.WriteLine($"resuming from step {start} ({state})");
        }
        if (start < s.TrainSteps)
        {
            // Each resumed run draws new samples and sketches (the seed moves with the step).
            var o = new Engine.Inversion.EncoderTrainingOptions(s.TrainSteps - start, s.TrainBatch, s.LearningRate, Seed: s.Seed + start);
            var last = EncoderProgress("training the sketch encoder", start, s.TrainSteps, encoder.Train(g, o, ct),
                step => encoder.Save(state, new Dictionary<string, string> { ["step"] = (start + step).ToString(CultureInfo.InvariantCulture) }));
            Console.WriteLine($"final latent loss {last.LatentLoss:F4}, image loss {last.ImageLoss:F4}");
        }
        encoder.Save(Path.Combine(s.Pack, SketchEncoderFile));
        ModelPack.AddFile(s.Pack, ModelPack.SketchEncoderRole, SketchEncoderFile);
        Console.WriteLine($"wrote {SketchEncoderFile} (step {Math.Max(start, s.TrainSteps)}) and updated the manifest");
        return 0;
    }

    /// <summary>Runs an encoder's training with a progress bar (steps <paramref name="done"/>…<paramref name="total"/>),
    /// a line and <paramref name="checkpoint"/> (steps of this run) every 100 steps and at the end; the last step.</summary>
    static Engine.Inversion.EncoderStep EncoderProgress(string title, int done, int total, IEnumerable<Engine.Inversion.EncoderStep> steps, Action<int>? checkpoint)
    {
        Engine.Inversion.EncoderStep last = default;
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn()).Start(ctx =>
        {
            var task = ctx.AddTask(title, maxValue: total);
            task.Value = done;
            foreach (var step in steps)
            {
                last = step;
                task.Description = $"{title} · latent {step.LatentLoss:F4} · image {step.ImageLoss:F4}";
                task.Increment(1);
                if (step.Step % 100 == 0 || done + step.Step == total)
                {
                    Console.Error.WriteLine($"step {done + step.Step}: latent {step.LatentLoss:F4}, image {step.ImageLoss:F4}");
                    checkpoint?.Invoke(step.Step);
                }
            }
        });
        return last;
    }

    public const string EncoderFile = "encoder.safetensors", SketchEncoderFile = "sketch_encoder.safetensors";

    internal sealed record Captioned(FaceSample Sample, List<string> Captions);

    internal static List<FaceSample> ReadFaces(string datasets, CancellationToken ct)
    {
        List<FaceSample> samples = [];
        AnsiConsole.Progress().Start(ctx =>
        {
            var task = ctx.AddTask("reading and framing faces", maxValue: 1);
            samples = FaceDataset.Read(datasets, new Progress<double>(f => task.Value = f), ct);
        });
        return samples;
    }

    internal static (List<Captioned> Train, List<Captioned> Held) LoadCaptioned(string datasets, int perImage, CancellationToken ct)
    {
        var samples = ReadFaces(datasets, ct);
        var all = samples.Select(x => new Captioned(x, FaceCaptions.Captions(x.Labels, perImage))).ToList();
        var held = all.Where(c => FaceCaptions.IsHeldOut(c.Sample.Labels.Image)).ToList();
        var train = all.Where(c => !FaceCaptions.IsHeldOut(c.Sample.Labels.Image)).ToList();
        Console.WriteLine($"{samples.Count} faces ({samples.Count(x => x.Labels.Source == "utk")} UTKFace, {samples.Count(x => x.Labels.Source == "celeba")} CelebA): " +
                          $"{train.Count} train, {held.Count} held out; {all.Sum(c => c.Captions.Count)} captions");
        return (train, held);
    }

    /// <summary>Every distinct caption embedded once with MiniLM ([M,384]), cached by the SHA-256 of the caption list.</summary>
    static (Tensor Emb, List<int[]> TrainRows, List<int[]> HeldRows) EmbedCaptions(MiniLmTextEncoder enc, List<Captioned> train, List<Captioned> held,
        string? cache, CancellationToken ct)
    {
        var unique = train.Concat(held).SelectMany(c => c.Captions).Distinct().ToList();
        var row = unique.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i);
        string key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', unique))));
        Tensor? emb = null;
        if (cache is not null && File.Exists(cache))
        {
            var sd = SafeTensors.Load(cache, out var meta);
            if (meta.TryGetValue("captions_sha256", out var k) && k == key && sd.TryGetValue("embeddings", out var e)) emb = e;
            else foreach (var t in sd.Values) t.Dispose();
        }
        if (emb is null)
        {
            var rows = new float[unique.Count][];
            AnsiConsole.Progress().Start(ctx =>
            {
                var task = ctx.AddTask($"embedding {unique.Count} captions (MiniLM)", maxValue: unique.Count);
                for (int i = 0; i < unique.Count; i += 512)
                {
                    var part = enc.Encode(unique.Skip(i).Take(512).ToList(), ct);
                    part.CopyTo(rows, i);
                    task.Increment(part.Length);
                }
            });
            emb = tensor(rows.SelectMany(r => r).ToArray(), [unique.Count, MiniLmTextEncoder.Dimensions]);
            if (cache is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(cache))!);
                SafeTensors.Save(cache, new Dictionary<string, Tensor> { ["embeddings"] = emb }, new Dictionary<string, string> { ["captions_sha256"] = key });
            }
        }
        List<int[]> Rows(List<Captioned> set) => set.Select(c => c.Captions.Select(x => row[x]).ToArray()).ToList();
        return (emb, Rows(train), Rows(held));
    }

    static object Evaluate(FaceClipImageTower tower, MiniLmTextEncoder textEnc, List<Captioned> held, Tensor emb, List<int[]> heldRows)
    {
        using var scope = NewDisposeScope();
        var images = FaceClipTraining.EmbedImages(tower, held.Select(h => h.Sample).ToList());
        var first = emb.index_select(0, tensor(heldRows.Select(r => (long)r[0]).ToArray()));
        var r = FaceClipTraining.Retrieval(images, first);
        var table = new Table().AddColumns("held-out retrieval", "R@1", "R@5");
        table.AddRow($"text → image ({r.Count} faces)", $"{r.TextToImageR1:P1}", $"{r.TextToImageR5:P1}");
        table.AddRow("image → text", $"{r.ImageToTextR1:P1}", $"{r.ImageToTextR5:P1}");
        table.AddRow("chance", $"{r.Chance:P2}", $"{5 * r.Chance:P2}");
        AnsiConsole.Write(table);

        var celeba = held.Select((h, i) => (h, i)).Where(x => x.h.Sample.Labels.Source == "celeba").ToList();
        using var space = new FaceClipSpace(textEnc, tower, ownsParts: false);
        var zs = FaceClipTraining.ZeroShot(images.index_select(0, tensor(celeba.Select(x => (long)x.i).ToArray())), celeba.Select(x => x.h.Sample.Labels).ToList(), space);
        var zt = new Table().AddColumns("attribute (held-out CelebA)", "positives", "zero-shot", "majority", "AUC");
        foreach (var z in zs) zt.AddRow(z.Attribute, $"{z.Positives:P0}", $"{z.Accuracy:P1}", $"{z.Majority:P1}", $"{z.Auc:F3}");
        AnsiConsole.Write(zt);
        return new { retrieval = r, chance = r.Chance, zeroShot = zs };
    }

}
