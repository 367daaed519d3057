using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using FaceWeb.Components.Services;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators;
using FaceWeb.Server.Rooms;
using static TorchSharp.torch;

namespace FaceWeb.Server;

/// <summary>One per circuit; every edit runs on the engine thread through the scheduler.</summary>
public sealed class EditService(EngineSession engineSession, SessionLatentStore session, TrainingPolicy training) : IEditService
{
    public async Task<EditCapabilities> GetCapabilitiesAsync(CancellationToken ct = default)
    {
        var a = await engineSession.PackAsync(ct);
        var e = a.Editor;
        return new EditCapabilities(e.Space is not null, e.HasGlobalDirections, e.MapperNames, a.Unavailable, e.Identity is not null,
            CanPrecompute: e.Space is not null && !e.HasGlobalDirections && a.Overlay is not null && training.Unavailable is null, Resolution: e.Generator.Config.Size,
            PrincipalDirections: PackEditor.PrincipalDirectionCount, InDomain: e.Encoder is not null);
    }

    public async Task<EditFrame> GlobalAsync(GlobalEditRequest r, CancellationToken ct = default)
    {
        try
        {
            r = r with { Target = Inputs.Text(r.Target, "target prompt"), Neutral = Inputs.Text(r.Neutral, "neutral prompt") };
            Inputs.Number(r.Alpha, -Inputs.MaxAlpha, Inputs.MaxAlpha, "α");
            Inputs.Number(r.Beta, 0, Inputs.MaxBeta, "β");
        }
        catch (ArgumentException e) when (engineSession.Refused("global direction", e)) { throw; }
        var a = await engineSession.PackAsync(ct);
        if (!a.Editor.HasGlobalDirections) throw new InvalidOperationException(a.Unavailable ?? "Global directions are not available for this pack (precompute stylespace and fs3).");
        return await Run(a, r.Seed, r.Latent, new GlobalDirectionEdit(r.Neutral, r.Target, r.Alpha, r.Beta), $"\"{r.Target}\" ", ct, r.Preview);
    }

    public async Task<EditFrame> MapperAsync(MapperEditRequest r, CancellationToken ct = default)
    {
        try
        {
            Inputs.Number(r.Strength, -Inputs.MaxStrength, Inputs.MaxStrength, "Strength");
        }
        catch (ArgumentException e) when (engineSession.Refused("mapper", e)) { throw; }
        var a = await engineSession.PackAsync(ct);
        if (!a.Editor.MapperNames.Contains(r.Mapper)) throw new ArgumentException($"No mapper named '{r.Mapper}' in this pack.");
        return await Run(a, r.Seed, r.Latent, new MapperEdit(r.Mapper, r.Strength), $"\"{r.Mapper}\" ", ct, r.Preview);
    }

    public async Task<EditFrame> PrincipalAsync(PrincipalEditRequest r, CancellationToken ct = default)
    {
        var groups = Layers(r.Coarse, r.Middle, r.Fine);
        try
        {
            Inputs.Number(r.Alpha, -Inputs.MaxAlpha, Inputs.MaxAlpha, "α");
            if (r.Component is < 0 or >= PackEditor.PrincipalDirectionCount)
                throw new ArgumentException($"Pick a direction between 0 and {PackEditor.PrincipalDirectionCount - 1}.");
        }
        catch (ArgumentException e) when (engineSession.Refused("principal direction", e)) { throw; }
        var a = await engineSession.PackAsync(ct);
        return await Run(a, r.Seed, r.Latent, new PrincipalEdit(r.Component, r.Alpha, groups), "", ct);
    }

    /// <summary>The layer groups a request ticks; none is an error a person can fix.</summary>
    internal static LayerGroups Layers(bool coarse, bool middle, bool fine)
    {
        var groups = (coarse ? LayerGroups.Coarse : 0) | (middle ? LayerGroups.Middle : 0) | (fine ? LayerGroups.Fine : 0);
        return groups == LayerGroups.None ? throw new ArgumentException("Choose at least one layer group (coarse, middle or fine).") : groups;
    }

    public async Task<EditFrame> RenderStartAsync(long seed, string? latent, CancellationToken ct = default)
    {
        var a = await engineSession.PackAsync(ct);
        return await engineSession.RunAsync("edit", token =>
        {
            token.ThrowIfCancellationRequested();
            using var start = Start(a, seed, latent);
            using var result = a.Editor.Render(start);
            return new EditFrame(ImageTensors.ToPng(result.Image), result.Method.Title(), latent is null ? $"seed {seed}" : "session latent", result.Milliseconds);
        }, ct);
    }

    public async IAsyncEnumerable<EditFrame> OptimizeAsync(OptimizeRequest r, [EnumeratorCancellation] CancellationToken ct = default)
    {
        try
        {
            r = r with { Target = Inputs.Text(r.Target, "target prompt") };
            Inputs.Number(r.L2Lambda, 0, 10, "λ L2");
            Inputs.Number(r.IdLambda, 0, 10, "λ ID");
            new OptimizationOptions(r.Steps, L2Lambda: r.L2Lambda, IdLambda: r.IdLambda).Validate();
        }
        catch (ArgumentException e) when (engineSession.Refused("optimisation", e)) { throw; }
        var a = await engineSession.PackAsync(ct);
        var g = a.Engine.Generator;
        if (a.Editor.Space is null) throw new InvalidOperationException(a.Unavailable ?? "No text–image space.");
        if (r.Region is not null && (r.RegionSize != g.Config.Size || r.Region.Length != r.RegionSize * r.RegionSize || r.Region.Any(v => !float.IsFinite(v))))
            throw new ArgumentException($"The region mask must be {g.Config.Size}×{g.Config.Size} numbers.");
        if (r.Region is not null && r.Region.All(v => v <= 0)) throw new ArgumentException("The region is empty: paint where the edit may change the face.");
        if (r.IdLambda > 0 && a.Editor.Identity is null) throw new ArgumentException("λ ID needs an identity model: start the app with --FaceWeb:Identity=model_ir_se50.pth.");
        IEnumerable<EditFrame?> Frames(CancellationToken token)
        {
            Tensor start; Tensor? region = null;
            using (var scope = NewDisposeScope())
            {
                start = Start(a, r.Seed, r.Latent).MoveToOuterDisposeScope();
                if (r.Region is not null) region = tensor(r.Region, [1, 1, r.RegionSize, r.RegionSize]).MoveToOuterDisposeScope();
            }
            try
            {
                var request = a.Editor.EditOptimisation(r.Target, r.Steps, r.L2Lambda, r.IdLambda, frames: 20, region, domain: r.InDomain ? null : 0);
                var (from, origin) = session.Provenance(r.Seed, r.Latent);
                foreach (var f in a.Editor.Optimise(start, request, token))
                {
                    if (f is null) { yield return null; continue; }     // one step per scheduler turn
                    using (f) yield return new EditFrame(ImageTensors.ToPng(f.Image), f.Method.Title(), $"\"{r.Target}\" {f.Detail}", f.Milliseconds, null, f.Progress,
                        NodeDrafts.Of("edit", request, f, start, from, origin));
                }
            }
            finally { start.Dispose(); region?.Dispose(); }
        }
        await foreach (var f in engineSession.StreamAsync("optimise", "optimisation", Frames, ct)) yield return f;
    }

    public async IAsyncEnumerable<JobProgress> TrainMapperAsync(TrainMapperRequest r, [EnumeratorCancellation] CancellationToken ct = default)
    {
        string text = Inputs.Text(r.Text, "target prompt");
        if (r.Steps is < 1 or > 5000) throw new ArgumentException("Steps must be between 1 and 5 000.");
        var a = await engineSession.PackAsync(ct);
        if (a.Editor.Space is not { } space) throw new InvalidOperationException(a.Unavailable ?? "Training a mapper needs a text–image space.");
        if (a.Overlay is not { } overlay) throw new InvalidOperationException("Mappers belong to a model pack; the placeholder generator has none.");
        if (overlay.Ships(ModelPack.MapperRole + text) || a.Editor.MapperNames.Any(k => !string.Equals(k, text, StringComparison.Ordinal) && ModelPack.Slug(k) == ModelPack.Slug(text)))
            throw new ArgumentException($"A mapper for \"{text}\" (or a prompt written the same way) already exists; pick it in the list or type another prompt.");
        overlay.EnsureRoom();
        using var exclusive = a.BeginJob(ModelPack.MapperRole + text.ToLowerInvariant(), $"A mapper for \"{text}\" is already being trained.");
        training.Acquire("a mapper");
        using var job = engineSession.BeginJob("train mapper", "jobs");
        var g = a.Engine.Generator;
        StyleClipMapper? mapper = null;
        IEnumerator<(int Step, double ClipLoss)>? steps = null;
        Tensor? embedding = null;
        try
        {
            yield return new JobProgress(0, $"training a mapper for \"{text}\"…");
            while (true)
            {
                // About a quarter of a second of training per scheduler turn, so other clients are served in between.
                var (step, loss, finished) = await TimeSlice(job, token =>
                {
                    if (steps is null)
                    {
                        using (no_grad()) embedding = a.Editor.EmbedText(text).DetachFromDisposeScope();
                        mapper = new StyleClipMapper(g.Config.StyleDim, fine: g.Config.NLatent > 8);
                        steps = MapperTrainer.Steps(mapper, g, space, embedding, new MapperTrainingOptions(r.Steps, Batch: 2, ColourLambda: a.Engine.Pack.MapperColourLambda)).GetEnumerator();
                    }
                    var sw = Stopwatch.StartNew();
                    (int Step, double Loss) last = (0, double.NaN);
                    while (sw.ElapsedMilliseconds < 250)
                    {
                        token.ThrowIfCancellationRequested();
                        if (!steps.MoveNext()) return (last.Step, last.Loss, true);
                        last = (steps.Current.Step, steps.Current.ClipLoss);
                    }
                    return (last.Step, last.Loss, false);
                }, ct);
                if (finished) break;
                yield return new JobProgress((double)step / r.Steps, $"step {step}/{r.Steps}, CLIP loss {loss.ToString("0.000", CultureInfo.InvariantCulture)}");
            }
            string file = await TimeSlice(job, _ =>
            {
                string name = $"mapper-{ModelPack.Slug(text)}.safetensors", path = overlay.PathFor(name);
                MapperTrainer.Save(mapper!, path, text);
                overlay.Add(ModelPack.MapperRole + text, name);
                a.Editor.AddMapper(text, path);
                return name;
            }, ct);
            job.Finish();
            yield return new JobProgress(1, $"mapper for \"{text}\" saved ({file}, beside the pack)", Done: true);
        }
        finally
        {
            await engineSession.CleanUpAsync("jobs", () => { steps?.Dispose(); mapper?.Dispose(); embedding?.Dispose(); });
        }
    }

    public async IAsyncEnumerable<JobProgress> PrecomputeGlobalAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        var a = await engineSession.PackAsync(ct);
        if (a.Editor.Space is not { } space) throw new InvalidOperationException(a.Unavailable ?? "Global directions need a text–image space.");
        if (a.Overlay is not { } overlay) throw new InvalidOperationException("Global directions belong to a model pack; the placeholder generator has none.");
        overlay.EnsureRoom();
        using var exclusive = a.BeginJob("precompute", "Global directions are already being precomputed (by you or someone else).");
        training.Acquire("precomputing");
        using var job = engineSession.BeginJob("precompute global directions", "jobs");
        var g = a.Engine.Generator;
        if (a.Editor.Stats is null)
        {
            yield return new JobProgress(0, "StyleSpace statistics (10 000 samples)…");
            await TimeSlice(job, token =>
            {
                var stats = StyleSpaceStats.Compute(g, 10_000, ct: token);
                stats.Save(overlay.PathFor("stylespace_stats.safetensors"));
                overlay.Add(ModelPack.StatsRole, "stylespace_stats.safetensors");
                a.Editor.SetGlobalDirections(stats, null);
                return 0;
            }, ct);
        }
        string progressFile = overlay.PathFor("fs3.progress.safetensors");
        var options = new Fs3Options(Images: 8, ChannelsPerBlock: 2);      // small blocks: each scheduler turn stays short
        double fraction = 0;
        string? startedOver = null;
        while (a.Editor.Fs3 is null)
        {
            // Each turn runs fs3 for about a second and stops; the progress file makes the next turn continue there.
            var done = await TimeSlice(job, token =>
            {
                using var slice = CancellationTokenSource.CreateLinkedTokenSource(token);
                slice.CancelAfter(1000);
                try
                {
                    var fs3 = Fs3Job.Extend(g, space, a.Editor.Stats!, options, progressFile, null, new Progress(f => fraction = f), slice.Token);
                    fs3.Save(overlay.PathFor("fs3.safetensors"), space, options);
                    overlay.Add(ModelPack.Fs3Role, "fs3.safetensors");
                    File.Delete(progressFile);
                    fs3.Lengths.Dispose();
                    a.Editor.SetGlobalDirections(null, fs3.Fs3);
                    return true;
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested) { return false; }
                catch (CheckpointException e) when (File.Exists(progressFile))
                {
                    // An unfinished run this one cannot continue (another image tower, or one from before progress
                    // files recorded it): its channels cannot be mixed with these, so start over.
                    File.Delete(progressFile);
                    startedOver = e.Message[(e.Message.IndexOf(": ", StringComparison.Ordinal) + 2)..];
                    return false;
                }
            }, ct);
            if (startedOver is not null)
            {
                yield return new JobProgress(0.05, $"fs3: starting over ({startedOver})");
                startedOver = null;
            }
            else if (!done) yield return new JobProgress(0.05 + 0.95 * fraction, $"fs3: {fraction:P0} of the channels");
        }
        job.Finish();
        yield return new JobProgress(1, "global directions are ready", Done: true);
    }

    sealed class Progress(Action<double> report) : IProgress<double> { public void Report(double value) => report(value); }

    /// <summary>One turn of a long job in the circuit's "jobs" lane (jobs never replace the circuit's previews).</summary>
    Task<T> TimeSlice<T>(JobLog.Job job, Func<CancellationToken, T> work, CancellationToken ct) => engineSession.JobTurnAsync(job, "jobs", work, ct);

    /// <summary>Engine thread: the start W+ [1,L,D], a session latent when one is named, else the seed's at the session's ψ.</summary>
    Tensor Start(LoadedPack a, long seed, string? latent)
    {
        var g = a.Engine.Generator;
        if (latent is not null) return session.Get(latent, g.Config.NLatent, g.Config.StyleDim);
        Inputs.Seed(seed);
        return a.Editor.SeedStart(seed, session.Truncation);
    }

    /// <summary>One one-pass edit in the circuit's "edit" lane (batched with other clients' frames): start, apply, PNG.</summary>
    async Task<EditFrame> Run(LoadedPack a, long seed, string? latent, EditRequest request, string prefix, CancellationToken ct, bool preview = false)
    {
        var (from, origin) = session.Provenance(seed, latent);
        var frame = await engineSession.RunBatchedAsync("edit", a.Frames(preview), new EditJob(() => Start(a, seed, latent), request, (result, start) =>
        {
            var draft = NodeDrafts.Of("edit", request, result, start, from, origin);
            return png => new EditFrame(png, result.Method.Title(), prefix + result.Detail, result.Milliseconds, result.ChannelsMoved, Draft: draft);
        }), ct);
        return frame.Encode();
    }
}
