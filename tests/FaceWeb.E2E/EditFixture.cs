using FaceWeb.Engine.Checkpoints;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Generators.StyleGan2;
using FaceWeb.Engine.TextImage;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;
using static TorchSharp.torch;

// WebApplicationFactory hooks host start-up through a process-wide listener: two apps starting at once can cross-wire,
// so the e2e classes run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace FaceWeb.E2E;

/// <summary>The edit-page test classes share one app (one pack, one server, one browser).</summary>
[CollectionDefinition(Name)]
public sealed class EditCollection : ICollectionFixture<EditFixture> { public const string Name = "edit app"; }

/// <summary>The app on a pack made from the StyleGAN2 fixture (with StyleSpace statistics and fs3 precomputed here)
/// and the CLIP fixture as its text–image space.</summary>
public sealed class EditFixture : IAsyncLifetime
{
    readonly string pack = Directory.CreateTempSubdirectory("faceweb-e2e-pack-").FullName;
    readonly string profile = Directory.CreateTempSubdirectory("faceweb-e2e-").FullName;
    readonly string data = Directory.CreateTempSubdirectory("faceweb-e2e-data-").FullName;
    WebApplicationFactory<Program>? factory;
    IPlaywright? playwright;
    string? missing;

    public IBrowserContext Browser { get; private set; } = null!;

    /// <summary>A page in a browser session of its own: the session cookie is cleared first, so what one test keeps
    /// (faces, Edit history, start) does not show up in the next.</summary>
    public async Task<IPage> NewPageAsync()
    {
        if (missing is not null) Assert.Skip(missing);
        await Browser.ClearCookiesAsync();
        return await Browser.NewPageAsync();
    }
    public string BaseUrl { get; private set; } = "";
    public string GeneratorPath => Path.Combine(pack, "generator.safetensors");

    /// <summary>SHA-256 of every file of the shipped pack, manifest included.</summary>
    public Dictionary<string, string> PackHashes() =>
        Directory.EnumerateFiles(pack).Order().ToDictionary(f => Path.GetFileName(f), f => ModelPack.Sha256Of(f));

    static string? Find(string relative)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "FaceWeb.sln")))
            {
                string path = Path.GetFullPath(Path.Combine(d.FullName, "..", "shared", "fixtures", relative));
                return File.Exists(path) ? path : null;
            }
        return null;
    }

    static string Shared(string relative) => Find(relative)
        ?? throw new InvalidOperationException($"../shared/fixtures/{relative} not found beside the repository (the e2e edit tests need the fixtures)");

    static readonly string[] Needed = ["stylegan2/generator.safetensors", "clip/clip.safetensors", "clip/bpe_simple_vocab_16e6.txt.gz", "arcface/ir_se50_w4.pth"];

    public async ValueTask InitializeAsync()
    {
        // Without the reference fixtures these tests skip, each saying what is missing (a failure when they are required).
        if (Needed.FirstOrDefault(f => Find(f) is null) is { } absent)
        {
            missing = $"../shared/fixtures/{absent} not found beside the repository (the e2e edit tests run on a pack made from the fixtures)";
            if (Environment.GetEnvironmentVariable("FACEWEB_REQUIRE_FIXTURES") == "1") throw new InvalidOperationException(missing);
            return;
        }
        File.Copy(Shared("stylegan2/generator.safetensors"), Path.Combine(pack, "generator.safetensors"));
        using (var g = StyleGan2Generator.Load(Path.Combine(pack, "generator.safetensors")))
        using (var space = ClipSpace.Load(Shared("clip/clip.safetensors"), Shared("clip/bpe_simple_vocab_16e6.txt.gz")))
        using (var stats = StyleSpaceStats.Compute(g, 500))
        using (var fs3 = Fs3Job.Run(g, space, stats, new Fs3Options(Images: 1), Path.Combine(pack, "fs3.progress")))
        {
            stats.Save(Path.Combine(pack, "stylespace_stats.safetensors"));
            SafeTensors.Save(Path.Combine(pack, "fs3.safetensors"), new Dictionary<string, Tensor> { ["fs3"] = fs3 });
        }
        File.Delete(Path.Combine(pack, "fs3.progress"));
        using (var n = randn([1, 64], generator: new TorchSharp.torch.Generator(11)))   // a slider: any unit direction in W
            BoundaryTrainer.Save(new TrainedBoundary(n / n.norm(), LatentSpace.W, 0.9, 0.95, 7, 3), "tilt", Path.Combine(pack, "boundary-tilt.safetensors"));
        ModelPack.WriteManifest(pack, "fixture", "stylegan2", trained: false, "e2e", [("generator", "generator.safetensors"),
            ("stylespace-stats", "stylespace_stats.safetensors"), ("fs3", "fs3.safetensors"), ("boundary:tilt", "boundary-tilt.safetensors")]);

        factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b
            .UseSetting("FaceWeb:Pack", pack)
            .UseSetting("FaceWeb:Data", data)
            .UseSetting("FaceWeb:Training", "Open")
            .UseSetting("FaceWeb:Clip", Shared("clip/clip.safetensors"))
            .UseSetting("FaceWeb:ClipVocab", Shared("clip/bpe_simple_vocab_16e6.txt.gz"))
            .UseSetting("FaceWeb:Identity", Shared("arcface/ir_se50_w4.pth")));
        factory.UseKestrel(0);
        factory.StartServer();
        BaseUrl = factory.ClientOptions.BaseAddress.ToString().TrimEnd('/');
        playwright = await Playwright.CreateAsync();
        Browser = await BrowserFixture.LaunchAsync(playwright, profile);
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        playwright?.Dispose();
        if (factory is not null) await factory.DisposeAsync();
        foreach (var d in new[] { pack, profile, data }) try { Directory.Delete(d, true); } catch (IOException) { }
    }
}
