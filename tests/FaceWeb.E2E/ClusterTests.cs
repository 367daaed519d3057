using static System.FormattableString;
using System.Text.RegularExpressions;
using FaceWeb.Server.Tests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FaceWeb.E2E;

/// <summary>The scaled-out topology on loopback, as deploy/local.sh starts it: Redis (Orleans clustering), PostgreSQL,
/// two engine silos, two web front-ends and the YARP balancer, each a real process of the built server.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    readonly List<string> dirs = [];
    RedisServer? redis;
    public string? Missing { get; private set; }
    public Dictionary<string, ServerProcess> Engines { get; } = [];
    public Dictionary<string, ServerProcess> Webs { get; } = [];
    public ServerProcess Balancer { get; private set; } = null!;
    public IPlaywright Playwright { get; private set; } = null!;

    string Dir(string prefix)
    {
        string d = Directory.CreateTempSubdirectory(prefix).FullName;
        dirs.Add(d);
        return d;
    }

    public async ValueTask InitializeAsync()
    {
        Missing = RedisServer.Missing();
        if (Missing is not null)
        {
            if (Environment.GetEnvironmentVariable("FACEWEB_REQUIRE_REDIS") == "1") throw new InvalidOperationException(Missing);
            return;
        }
        string postgres = PostgresServer.Connection();
        redis = await RedisServer.StartAsync(CancellationToken.None);
        string[] common = [$"--FaceWeb:Cluster:Redis={redis.Endpoint}", $"--FaceWeb:Cluster:ClusterId=e2e{Guid.NewGuid():N}",
            $"--ConnectionStrings:Postgres={postgres}"];
        foreach (var name in new[] { "engine1", "engine2" })
            Engines[name] = await ServerProcess.StartAsync(Dir("faceweb-e2e-engine-"), CancellationToken.None,
                [.. common, "--FaceWeb:Role=engine", $"--FaceWeb:Cluster:Name={name}",
                 $"--FaceWeb:Cluster:SiloPort={RedisServer.FreePort()}", $"--FaceWeb:Cluster:GatewayPort={RedisServer.FreePort()}"]);
        foreach (var name in new[] { "web1", "web2" })
            Webs[name] = await ServerProcess.StartAsync(Dir("faceweb-e2e-web-"), CancellationToken.None,
                [.. common, "--FaceWeb:Role=web", $"--FaceWeb:Cluster:Name={name}"]);
        Balancer = await ServerProcess.StartAsync(Dir("faceweb-e2e-balancer-"), CancellationToken.None,
            ["--FaceWeb:Role=balancer", $"--FaceWeb:Cluster:FrontEnds:0={Webs["web1"].BaseUrl}", $"--FaceWeb:Cluster:FrontEnds:1={Webs["web2"].BaseUrl}"]);
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
    }

    /// <summary>A browser of its own (its own cookies).</summary>
    public Task<IBrowserContext> BrowserAsync() => BrowserFixture.LaunchAsync(Playwright, Dir("faceweb-e2e-cluster-browser-"));

    /// <summary>Everything the servers wrote, saved beside the test (cluster-logs/NAME.log) for a failure's message.</summary>
    public string Logs()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "cluster-logs");
        Directory.CreateDirectory(dir);
        foreach (var (name, server) in Engines.Concat(Webs).Append(new("balancer", Balancer)))
            File.WriteAllLines(Path.Combine(dir, name + ".log"), server.Output);
        return $"The servers' output is in {dir}.";
    }

    public async ValueTask DisposeAsync()
    {
        Playwright?.Dispose();
        foreach (var s in Engines.Values.Concat(Webs.Values).Append(Balancer)) if (s is not null) await s.DisposeAsync();
        if (redis is not null) await redis.DisposeAsync();
        foreach (var d in dirs) try { Directory.Delete(d, recursive: true); } catch (IOException) { }
    }
}

/// <summary>One scenario, in order, because each step changes the cluster: members of one room on different front-ends
/// see each other live; an engine silo killed mid-session, frames keep coming from the other (Generate's, then Edit's,
/// the sliders', an optimisation's and Create's); a job on the last silo when it dies ends with a message; a front-end killed, its browser comes back through the balancer to the other with the room
/// intact; the rest shuts down cleanly.</summary>
public sealed partial class ClusterTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    static string On(string url, string baseUrl) => baseUrl + new Uri(url).PathAndQuery;
    readonly List<(string Name, IPage Page, List<string> Console)> pages = [];

    async Task<IPage> Browser(string name)
    {
        var page = await (await cluster.BrowserAsync()).NewPageAsync();
        var console = new List<string>();
        page.Console += (_, m) => { lock (console) console.Add($"{m.Type}: {m.Text}"); };
        pages.Add((name, page, console));
        return page;
    }

    /// <summary>On failure: each browser's screenshot and console beside the servers' logs.</summary>
    async Task<string> Evidence()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "cluster-logs");
        Directory.CreateDirectory(dir);
        foreach (var (name, page, console) in pages)
        {
            try { await page.ScreenshotAsync(new() { Path = Path.Combine(dir, name + ".png") }); } catch (PlaywrightException) { }
            lock (console) File.WriteAllLines(Path.Combine(dir, name + ".console.txt"), console);
        }
        return cluster.Logs();
    }

    [Fact]
    public async Task Rooms_span_front_ends_and_the_cluster_survives_a_killed_engine_and_a_killed_front_end()
    {
        if (cluster.Missing is { } missing) Assert.Skip(missing);
        try { await Scenario(); }
        catch (Exception e) when (e is not Xunit.Sdk.SkipException) { throw new Exception(e.Message + "\n" + await Evidence(), e); }
    }

    async Task Scenario()
    {
        string web1 = cluster.Webs["web1"].BaseUrl, web2 = cluster.Webs["web2"].BaseUrl;
        foreach (var web in cluster.Webs.Values)                                              // front-ends render nothing themselves
        {
            Assert.Contains(web.Output, l => l.Contains("No engine in this process", StringComparison.Ordinal));
            Assert.DoesNotContain(web.Output, l => l.Contains("Loaded model pack", StringComparison.Ordinal));
        }

        // Ada, on web1: Generate's frame comes from an engine silo; she keeps it and posts it to a new room.
        var ada = await Browser("ada");
        await ada.GotoAsync(web1 + "/");
        await Expect(ada.GetByTestId("frontend")).ToHaveTextAsync("server web1");
        await Expect(ada.GetByTestId("frame-caption")).ToContainTextAsync(EngineName());
        await ada.GetByTestId("keep-face").ClickAsync();
        await Expect(ada.GetByTestId("kept")).ToBeVisibleAsync();
        await ada.GotoAsync(web1 + "/rooms/new");
        await ada.GetByTestId("room-title").Locator("input").FillAsync("Across servers");
        await ada.GetByTestId("room-name").Locator("input").FillAsync("Ada");
        await ada.GetByTestId("room-create").ClickAsync();
        await Expect(ada.GetByTestId("room-title")).ToHaveTextAsync("Across servers");
        await ada.GetByTestId("room-post-select").ClickAsync();
        await ada.GetByRole(AriaRole.Option).First.ClickAsync();
        await ada.GetByTestId("room-post").ClickAsync();
        await Expect(ada.GetByTestId("room-node")).ToHaveCountAsync(1);
        await ada.GetByTestId("room-link-editor").ClickAsync();
        string link = (await ada.GetByTestId("room-link-url").TextContentAsync())!.Trim();

        // Grace opens the link on web2: each sees the other present, and a comment travels both ways live.
        var grace = await Browser("grace");
        await Join(grace, On(link, web2), "Grace");
        await Expect(grace.GetByTestId("frontend")).ToHaveTextAsync("server web2");
        await Expect(grace.GetByTestId("room-node")).ToHaveCountAsync(1);
        await Expect(ada.GetByTestId("room-present")).ToContainTextAsync("Grace");
        await Expect(grace.GetByTestId("room-present")).ToContainTextAsync("Ada");
        await grace.GetByTestId("room-comment-text").Locator("textarea").First.FillAsync("posted on web2");
        await grace.GetByTestId("room-comment-post").ClickAsync();
        await Expect(ada.GetByTestId("room-comment")).ToContainTextAsync("posted on web2");
        await ada.GetByTestId("room-verdict-approve").ClickAsync();
        await Expect(grace.GetByTestId("room-verdicts")).ToContainTextAsync("Ada: Approve");

        // Generate on web2; the engine silo that renders its frames is killed; the next frames come from the other.
        var gen = await Browser("gen");
        await gen.GotoAsync(web2 + "/");
        var caption = gen.GetByTestId("frame-caption");
        await Expect(caption).ToContainTextAsync(EngineName());
        string serving = EngineName().Match((await caption.TextContentAsync())!).Groups[1].Value;
        await cluster.Engines[serving].KillAsync();
        string other = serving == "engine1" ? "engine2" : "engine1";
        var slider = gen.Locator("[data-testid=truncation] input[type=range]");
        await BrowserFixture.PressEachAsync(slider, "ArrowRight", 5, i => gen.GetByText(Invariant($"Truncation ψ = {0.7 + 0.01 * i:0.00}")));
        await Expect(caption).ToContainTextAsync("engine " + other);                    // the frame of the last input, from the other silo
        await Expect(gen.GetByTestId("error")).ToHaveCountAsync(0);                     // a lost frame was replaced by the next one
        string before = (await gen.GetByTestId("face").GetAttributeAsync("src"))!;
        await slider.PressAsync("ArrowRight");
        await Expect(gen.GetByTestId("face")).Not.ToHaveAttributeAsync("src", before);

        // Edit's one-pass frames and sliders on web2 come from the pool too: from the surviving silo.
        var edit = await Browser("edit");
        await edit.GotoAsync(web2 + "/edit");
        await edit.GetByTestId("target").Locator("input").FillAsync("a face with blond hair");
        await edit.GetByTestId("apply").ClickAsync();
        await Expect(edit.GetByTestId("edit-detail")).ToContainTextAsync("channels");
        await Expect(edit.GetByTestId("edit-detail")).ToContainTextAsync("engine " + other);
        await edit.Locator(".mud-tab", new() { HasText = "Optimisation" }).ClickAsync();   // a long job streams back too
        await edit.GetByLabel("Steps").FillAsync("3");
        await edit.GetByTestId("optimize").ClickAsync();
        await Expect(edit.GetByTestId("edit-detail")).ToContainTextAsync("step 3/3");
        await Expect(edit.GetByTestId("edit-detail")).ToContainTextAsync("engine " + other);
        await edit.Locator(".mud-tab", new() { HasText = "Sliders" }).ClickAsync();
        var age = edit.Locator("[data-testid=slider-age] input[type=range]");
        await BrowserFixture.PressEachAsync(age, "ArrowRight", 10, i => edit.GetByTestId("slider-age").GetByText(Invariant($"age = {0.1 * i:+0.0}")));
        await Expect(edit.GetByTestId("edit-detail")).ToContainTextAsync("age +1.0");
        await Expect(edit.GetByTestId("edit-detail")).ToContainTextAsync("engine " + other);

        // Create's text → face runs on the pool too; its faces join web2's session, so "Edit this face" opens them.
        var create = await Browser("create");
        await create.GotoAsync(web2 + "/create");
        await create.GetByTestId("caption").Locator("input").FillAsync("a smiling woman");
        await create.GetByLabel("Steps").FillAsync("2");
        await create.GetByTestId("create-generate").ClickAsync();
        await Expect(create.GetByTestId("create-edit")).ToHaveCountAsync(3);
        await create.GetByTestId("create-edit").First.ClickAsync();
        await Expect(create.GetByTestId("edit-start-latent")).ToContainTextAsync("a smiling woman");
        Assert.Contains(cluster.Engines[other].Output, l => l.Contains("(text → face) started", StringComparison.Ordinal));
        Assert.DoesNotContain(cluster.Webs["web2"].Output, l => l.Contains("(text → face) started", StringComparison.Ordinal));

        // A long job whose engine silo dies is lost with it: the page says so and the job can be started again.
        var job = await Browser("job");
        await job.GotoAsync(web2 + "/edit");
        await job.GetByTestId("target").Locator("input").FillAsync("a smiling face");
        await job.Locator(".mud-tab", new() { HasText = "Optimisation" }).ClickAsync();
        await job.GetByLabel("Steps").FillAsync("500");
        await job.GetByTestId("optimize").ClickAsync();
        await Expect(job.GetByTestId("edit-detail")).ToContainTextAsync("engine " + other);
        await cluster.Engines[other].KillAsync();
        await Expect(job.GetByTestId("edit-error")).ToContainTextAsync("The engine server running this job stopped, and the job with it; start it again.");

        // Lin joins through the balancer; her front-end is killed; her browser comes back through the balancer to the
        // other front-end, is told what happened, and finds the room as it was.
        var lin = await Browser("lin");
        string balancer = cluster.Balancer.BaseUrl;
        await Join(lin, On(link, balancer), "Lin");
        string front = ((await lin.GetByTestId("frontend").TextContentAsync())!).Replace("server ", "").Trim();
        await cluster.Webs[front].KillAsync();
        string survivor = front == "web1" ? "web2" : "web1";
        await Expect(lin.GetByTestId("moved")).ToContainTextAsync($"({front}) stopped", new() { Timeout = 60_000 });
        await Expect(lin.GetByTestId("frontend")).ToHaveTextAsync("server " + survivor);
        await Expect(lin.GetByTestId("room-title")).ToHaveTextAsync("Across servers");          // her session remembers the room and her name
        await Expect(lin.GetByTestId("room-node")).ToHaveCountAsync(1);
        await Expect(lin.GetByTestId("room-comment")).ToContainTextAsync("posted on web2");

        // The rest of the cluster stops cleanly on SIGTERM.
        foreach (var s in cluster.Webs.Values.Concat(cluster.Engines.Values).Append(cluster.Balancer).Where(s => !s.HasExited))
            Assert.Equal(0, await s.StopAsync().WaitAsync(TimeSpan.FromSeconds(30)));
    }

    static async Task Join(IPage page, string url, string name)
    {
        await page.GotoAsync(url);
        await page.GetByTestId("room-join-name").Locator("input").FillAsync(name);
        await page.GetByTestId("room-join").ClickAsync();
        await Expect(page.GetByTestId("room-title")).ToBeVisibleAsync();
    }

    [GeneratedRegex(@"engine (engine\d)")]
    private static partial Regex EngineName();
}
