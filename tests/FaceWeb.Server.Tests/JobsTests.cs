using FaceWeb.Components.Services;
using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Editing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace FaceWeb.Server.Tests;

/// <summary>The Edit page's long jobs through the real services: precompute global directions (cancel, resume) and
/// train a mapper, on a pack made from the StyleGAN2 fixture with the CLIP fixture.</summary>
public sealed class JobsTests : IAsyncLifetime
{
    static CancellationToken T => TestContext.Current.CancellationToken;
    readonly string pack = Directory.CreateTempSubdirectory("faceweb-jobs-").FullName;
    readonly string data = Directory.CreateTempSubdirectory("faceweb-jobs-data-").FullName;
    string? clip, vocab;
    WebApplicationFactory<Program>? factory;

    WebApplicationFactory<Program> Start(string training = "Open") => new WebApplicationFactory<Program>().WithWebHostBuilder(b => b
        .UseSetting("FaceWeb:Pack", pack).UseSetting("FaceWeb:Clip", clip).UseSetting("FaceWeb:ClipVocab", vocab)
        .UseSetting("FaceWeb:Data", data).UseSetting("FaceWeb:Training", training));

    /// <summary>SHA-256 of every file in the shipped pack, manifest included.</summary>
    Dictionary<string, string> PackHashes() =>
        Directory.EnumerateFiles(pack).Order().ToDictionary(f => Path.GetFileName(f), f => ModelPack.Sha256Of(f));

    static string? Shared(string relative)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "FaceWeb.sln")))
            {
                string path = Path.GetFullPath(Path.Combine(d.FullName, "..", "shared", "fixtures", relative));
                return File.Exists(path) ? path : null;
            }
        return null;
    }

    public ValueTask InitializeAsync()
    {
        string? generator = Shared("stylegan2/generator.safetensors");
        (clip, vocab) = (Shared("clip/clip.safetensors"), Shared("clip/bpe_simple_vocab_16e6.txt.gz"));
        if (generator is null || clip is null || vocab is null)
        {
            if (Environment.GetEnvironmentVariable("FACEWEB_REQUIRE_FIXTURES") == "1") throw new InvalidOperationException("../shared/fixtures is missing");
            return ValueTask.CompletedTask;
        }
        File.Copy(generator, Path.Combine(pack, "generator.safetensors"));
        ModelPack.WriteManifest(pack, "fixture", "stylegan2", trained: false, "jobs", [("generator", "generator.safetensors")]);
        factory = Start();
        return ValueTask.CompletedTask;
    }

    T Service<T>() where T : notnull => Started().Services.CreateScope().ServiceProvider.GetRequiredService<T>();

    /// <summary>The app on the fixture pack; a skip that says what is missing without ../shared/fixtures.</summary>
    WebApplicationFactory<Program> Started()
    {
        if (factory is null) Assert.Skip("../shared/fixtures (stylegan2 and clip) is not beside the repository");
        return factory;
    }

    IEditService Edits() => Service<IEditService>();
    string Overlay => Directory.EnumerateDirectories(Path.Combine(data, "packs")).Single();

    [Fact]
    public async Task Precompute_can_be_cancelled_and_resumed_and_then_global_directions_work()
    {
        var edits = Edits();
        var shipped = PackHashes();
        var before = await edits.GetCapabilitiesAsync(T);
        Assert.Equal((false, true), (before.GlobalDirections, before.CanPrecompute));

        var seen = await PrecomputeUntil(edits, p => p.Message.StartsWith("fs3", StringComparison.Ordinal));
        Assert.Contains(seen, p => p.Message.StartsWith("fs3", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(Overlay, "fs3.progress.safetensors")), "the cancelled run left its progress");
        Assert.Contains("stylespace-stats", ModelPack.Load(Overlay).Manifest.Files.Select(f => f.Role));

        var resumed = new List<JobProgress>();
        await foreach (var p in edits.PrecomputeGlobalAsync(T)) resumed.Add(p);
        Assert.DoesNotContain(resumed, p => p.Message.StartsWith("StyleSpace", StringComparison.Ordinal));   // statistics were kept
        Assert.True(resumed[^1].Done);
        Assert.False(File.Exists(Path.Combine(Overlay, "fs3.progress.safetensors")));
        Assert.Contains("fs3", ModelPack.Load(Overlay).Manifest.Files.Select(f => f.Role));
        Assert.Equal(shipped, PackHashes());                                                   // the shipped pack is untouched

        var after = await edits.GetCapabilitiesAsync(T);
        Assert.Equal((true, false), (after.GlobalDirections, after.CanPrecompute));
        var frame = await edits.GlobalAsync(new GlobalEditRequest(3, "a face", "a smiling face", 3, 0.05), T);
        Assert.Contains("channels", frame.Detail);
    }

    /// <summary>An unfinished fs3 run made through other image weights (or before progress files recorded them) cannot be
    /// continued: the app says so and starts over instead of failing every time. (That a precompute runs to the end is
    /// the test above; this one stops once the new run has saved progress of its own.)</summary>
    [Fact]
    public async Task A_progress_file_from_other_image_weights_is_started_over_not_resumed()
    {
        var edits = Edits();
        await PrecomputeUntil(edits, p => p.Message.StartsWith("fs3", StringComparison.Ordinal));
        string progress = Path.Combine(Overlay, "fs3.progress.safetensors");
        var tensors = SafeTensors.Load(progress, out var meta);
        string tower = meta[Fs3Job.ImageWeightsKey];
        Assert.False(string.IsNullOrEmpty(tower));                                              // the pack's tower, recorded
        meta[Fs3Job.ImageWeightsKey] = new string('a', 64);
        SafeTensors.Save(progress, tensors, meta);
        foreach (var x in tensors.Values) x.Dispose();

        var again = await PrecomputeUntil(edits, p => p.Fraction > 0.05 && p.Message.EndsWith("of the channels", StringComparison.Ordinal));   // the new run saved progress
        Assert.StartsWith("fs3: starting over (the progress file cannot be resumed: it was computed through other image weights", again[0].Message);
        var reloaded = SafeTensors.Load(progress, out var now);
        foreach (var x in reloaded.Values) x.Dispose();
        Assert.Equal(tower, now[Fs3Job.ImageWeightsKey]);                                       // the new run's own progress, this tower's
    }

    /// <summary>Runs the app's precompute until <paramref name="stop"/> holds for a progress report, then cancels it
    /// (the cancellation must surface); returns the reports seen.</summary>
    static async Task<List<JobProgress>> PrecomputeUntil(IEditService edits, Func<JobProgress, bool> stop)
    {
        var seen = new List<JobProgress>();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(T);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var p in edits.PrecomputeGlobalAsync(cts.Token))
            {
                seen.Add(p);
                if (stop(p)) cts.Cancel();
            }
        });
        return seen;
    }

    [Fact]
    public async Task Mappers_and_sliders_made_in_the_app_go_to_the_overlay_never_the_pack_and_load_after_a_restart()
    {
        var edits = Edits();
        var shipped = PackHashes();
        var progress = new List<JobProgress>();
        await foreach (var p in edits.TrainMapperAsync(new TrainMapperRequest("a smiling face", Steps: 8), T)) progress.Add(p);
        Assert.True(progress[^1].Done);
        Assert.Contains("mapper:a smiling face", ModelPack.Load(Overlay).Manifest.Files.Select(f => f.Role));
        Assert.Contains("a smiling face", (await edits.GetCapabilitiesAsync(T)).Mappers);
        var frame = await edits.MapperAsync(new MapperEditRequest(3, "a smiling face", 1), T);
        Assert.Equal([0x89, (byte)'P'], frame.Png[..2]);
        await Assert.ThrowsAsync<ArgumentException>(async () => { await foreach (var _ in edits.TrainMapperAsync(new TrainMapperRequest(" ", 8), T)) { } });

        var sliders = Service<ISliderService>();
        var learned = new List<LearnProgress>();
        await foreach (var p in sliders.LearnAsync(new LearnSliderRequest("blond hair", Samples: 100), T)) learned.Add(p);
        Assert.Contains("kept off the face brightness", learned[^1].Message);                  // the default: keep the skin tone
        SafeTensors.Load(Path.Combine(Overlay, "boundary-blond-hair.safetensors"), out var meta).Values.ToList().ForEach(t => t.Dispose());
        Assert.Equal(FaceBrightnessScorer.Name, meta["conditioned_on"]);
        var same = await Assert.ThrowsAsync<ArgumentException>(async () => { await foreach (var _ in sliders.LearnAsync(new LearnSliderRequest("Blond-Hair", 100), T)) { } });
        Assert.Contains("'blond hair' already exists", same.Message);
        Assert.Equal(shipped, PackHashes());                                                   // SHA-256 of every shipped file, manifest included

        // A restart: what was made comes back from the overlay.
        await factory!.DisposeAsync();
        factory = Start();
        Assert.Contains("a smiling face", (await Edits().GetCapabilitiesAsync(T)).Mappers);
        Assert.Contains("blond hair", (await Service<ISliderService>().GetCatalogAsync(T)).Sliders.Select(x => x.Name));
        Assert.Equal(shipped, PackHashes());
    }

    [Fact]
    public async Task With_training_off_jobs_are_refused_with_a_reason_and_nothing_is_written()
    {
        await Started().DisposeAsync();
        factory = Start(training: "Off");
        var e = await Assert.ThrowsAsync<InvalidOperationException>(async () => { await foreach (var _ in Edits().TrainMapperAsync(new TrainMapperRequest("a smiling face", 8), T)) { } });
        Assert.Contains("turned off", e.Message);
        var catalog = await Service<ISliderService>().GetCatalogAsync(T);
        Assert.False(catalog.CanLearn);
        Assert.False((await Edits().GetCapabilitiesAsync(T)).CanPrecompute);
        Assert.False(Directory.Exists(Path.Combine(data, "packs")) && Directory.EnumerateFiles(Path.Combine(data, "packs"), "*", SearchOption.AllDirectories).Any());
    }

    public async ValueTask DisposeAsync()
    {
        if (factory is not null) await factory.DisposeAsync();
        foreach (var d in new[] { pack, data }) try { Directory.Delete(d, true); } catch (IOException) { }
    }
}
