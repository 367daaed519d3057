
namespace FaceWeb.Engine.Tests;

/// <summary>What the tests read from the repository itself (not ../shared): the default pack, the two committed photos and
/// the face-api.js weights the build restores. Shared with the CLI's tests.</summary>
public static class Repository
{
    public static string Root()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "FaceWeb.sln"))) return d.FullName;
        throw new InvalidOperationException("repository root not found");
    }

    public static string DefaultPack() => Path.Combine(Root(), "models", "faceweb-mini");

    public static string Photos()
    {
        string dir = Path.Combine(Root(), "tests", "data", "photos");
        return File.Exists(Path.Combine(dir, "astronaut.png")) && File.Exists(Path.Combine(dir, "grace_hopper.jpg")) ? dir
            : throw new InvalidOperationException("tests/data/photos (astronaut.png, grace_hopper.jpg) is missing from the checkout");
    }

    /// <summary>The restored face-api.js weights; a skip with the restore command when they are not there (a failure in CI).</summary>
    public static string FaceApiModels()
    {
        try { return FaceApi.FaceApiModels.Directory(); }
        catch (DirectoryNotFoundException e) when (Environment.GetEnvironmentVariable("FACEWEB_REQUIRE_FIXTURES") != "1")
        {
            Assert.Skip(e.Message);
            throw;
        }
    }
}
