using FaceWeb.Components.Services;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

[assembly: CollectionBehavior(DisableTestParallelization = true)]   // WebApplicationFactory hosts starting at once can cross-wire

namespace FaceWeb.Server.Tests;

public sealed class AppTests(TestApp factory) : IClassFixture<TestApp>
{
    static CancellationToken T => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Home_page_answers_200_with_the_interactive_app()
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync("/", T);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync(T);
        // Pages are not prerendered: the server sends the shell and an interactive-server component marker.
        Assert.Contains("_framework/blazor.web.js", html);
        Assert.Contains("<!--Blazor:{\"type\":\"server\"", html);
        Assert.Contains("_content/MudBlazor/MudBlazor.min", html);
    }

    [Fact]
    public async Task MudBlazor_assets_are_served()
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync("/_content/MudBlazor/MudBlazor.min.css", T);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_embedded_default_pack_is_loaded_and_renders_64px_pngs()
    {
        using var scope = factory.Services.CreateScope();
        var renderer = scope.ServiceProvider.GetRequiredService<IFaceRenderService>();
        var pack = await renderer.GetPackAsync(T);
        Assert.Equal("faceweb-mini", pack.Name);
        Assert.True(pack.Trained);
        var a = await renderer.RenderAsync(new GenerateRequest(1, 0.7), T);
        var b = await renderer.RenderAsync(new GenerateRequest(1, 0.7), T);
        var c = await renderer.RenderAsync(new GenerateRequest(2, 0.7), T);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], a.Png[..4]);
        Assert.Equal(64, BitConverter.ToInt32(a.Png[16..20].Reverse().ToArray()));  // IHDR width
        Assert.Equal(a.Png, b.Png);                                                // same seed, same image
        Assert.NotEqual(a.Png, c.Png);
    }

    /// <summary>#16: a face posted to a room comes back with the exact latent: rendered again from it ("Continue from here"),
    /// it is the same PNG, byte for byte, as the one the room stored.</summary>
    [Fact]
    public async Task A_room_node_rendered_again_from_its_latent_is_the_same_image()
    {
        using var scope = factory.Services.CreateScope();
        var create = scope.ServiceProvider.GetRequiredService<ICreateService>();
        CreateFrame? last = null;
        await foreach (var f in create.TextToFaceAsync(new TextToFaceRequest("a smiling woman", "prior", Count: 1, Steps: 0), T)) last = f;
        Assert.NotNull(last!.Latent);
        var rooms = scope.ServiceProvider.GetRequiredService<IRoomService>();
        string token = await rooms.CreateAsync("Exact", "Ada", T);
        await rooms.OpenAsync(token, "Ada", T);
        long node = await rooms.PostLatentAsync(last.Latent!, null, T);
        var stored = await rooms.NodeAsync(node, T);
        Assert.Equal(("text→face", "faceweb-mini"), (stored.Summary.Kind, stored.Pack));
        string again = (await rooms.ContinueAsync(node, T)).Latent;
        var rendered = await scope.ServiceProvider.GetRequiredService<IEditService>().RenderStartAsync(0, again, T);
        Assert.Equal(stored.Png, rendered.Png);
        Assert.Equal(last.Png, rendered.Png);

        // A face kept on Generate posts as a "generate" node whose image is Generate's own frame.
        var renderer = scope.ServiceProvider.GetRequiredService<IFaceRenderService>();
        string kept = await renderer.KeepAsync(new GenerateRequest(3, 0.6), T);
        var generated = await rooms.NodeAsync(await rooms.PostLatentAsync(kept, node, T), T);
        Assert.Equal(("generate", node), (generated.Summary.Kind, generated.Summary.ParentId));
        Assert.Equal((await renderer.RenderAsync(new GenerateRequest(3, 0.6), T)).Png, generated.Png);

        // The export is a download only a working link opens.
        using var client = factory.CreateClient();
        var zip = await client.GetAsync($"/room/{token}/export.zip", T);
        Assert.Equal(("application/zip", (byte)'P', (byte)'K'), (zip.Content.Headers.ContentType?.MediaType, (await zip.Content.ReadAsByteArrayAsync(T))[0], (await zip.Content.ReadAsByteArrayAsync(T))[1]));
        var wrong = await client.GetAsync($"/room/{token}x/export.zip", T);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, wrong.StatusCode);
        Assert.Contains("No such room", await wrong.Content.ReadAsStringAsync(T));
        var sheet = await client.GetAsync($"/room/{token}/sheet.png", T);
        Assert.Equal("image/png", sheet.Content.Headers.ContentType?.MediaType);
        using (var img = SixLabors.ImageSharp.Image.Load(await sheet.Content.ReadAsByteArrayAsync(T)))
            Assert.True(img.Width >= 192 && img.Height > 192, $"{img.Width}×{img.Height}");               // one captioned cell
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.GetAsync($"/room/{token}x/sheet.png", T)).StatusCode);
    }

    /// <summary>#16: Edit's results (every method, sliders) and Compare's cells post to the room this browser joined, under
    /// the node their start was continued from; each node reproduces its image: a W+ node from its latent, a global
    /// direction (a style-space edit, no W+ of its own) by applying its stored edit to its stored start again.</summary>
    [Fact]
    public async Task Edit_and_compare_results_post_under_the_node_they_started_from_and_reproduce_their_images()
    {
        using var scope = factory.Services.CreateScope();
        var sp = scope.ServiceProvider;
        var (rooms, edits, sliders, create) = (sp.GetRequiredService<IRoomService>(), sp.GetRequiredService<IEditService>(),
            sp.GetRequiredService<ISliderService>(), sp.GetRequiredService<ICreateService>());
        Assert.Null(await rooms.TargetAsync(T));
        await Assert.ThrowsAsync<InvalidOperationException>(() => rooms.PostAsync("x", new NodeDraft("edit", "{}", new float[4], 2, 2, null), [1], T));
        string token = await rooms.CreateAsync("Edits", "Ada", T);
        await rooms.OpenAsync(token, "Ada", T);
        Assert.Equal(("Edits", RoomRole.Owner), ((await rooms.TargetAsync(T))!.Title, (await rooms.TargetAsync(T))!.Role));

        // A seed's global direction: a root node holding the start and the edit.
        var global = await edits.GlobalAsync(new GlobalEditRequest(5, "a face", "a face with blond hair", 4, 0.05), T);
        long g = await rooms.PostAsync(global.Method, global.Draft!, global.Png, T);
        var gNode = await rooms.NodeAsync(g, T);
        Assert.Equal(("edit", "global direction", (long?)null), (gNode.Summary.Kind, gNode.Summary.Method, gNode.Summary.ParentId));
        using (var p = System.Text.Json.JsonDocument.Parse(gNode.Parameters))
        {
            Assert.Equal(("global", "a face with blond hair", 4.0, "start", "seed 5, ψ 0.70"), (p.RootElement.GetProperty("method").GetString(),
                p.RootElement.GetProperty("target").GetString(), p.RootElement.GetProperty("alpha").GetDouble(),
                p.RootElement.GetProperty("latent").GetString(), p.RootElement.GetProperty("start").GetString()));
        }
        var cont = await rooms.ContinueAsync(g, T);
        Assert.Equal(new GlobalReapply("a face", "a face with blond hair", 4, 0.05), cont.Global);
        var again = await edits.GlobalAsync(new GlobalEditRequest(0, cont.Global!.Neutral, cont.Global.Target, cont.Global.Alpha, cont.Global.Beta, cont.Latent), T);
        Assert.Equal(gNode.Png, again.Png);                                             // the same pixels, from the stored start + edit

        // A slider move on the continued face: posted under the global node; its W+ renders its image again.
        var slid = await sliders.RenderAsync(new SliderRequest(0, new Dictionary<string, double> { ["age"] = 2 }, [], Latent: cont.Latent), T);
        long s = await rooms.PostAsync(slid.Method, slid.Draft!, slid.Png, T);
        var sNode = await rooms.NodeAsync(s, T);
        Assert.Equal(("slider", (long?)g), (sNode.Summary.Kind, sNode.Summary.ParentId));
        Assert.Equal(sNode.Png, (await edits.RenderStartAsync(0, (await rooms.ContinueAsync(s, T)).Latent, T)).Png);

        // GANSpace and a mapper from a seed: roots; the optimisation's last frame too.
        var principal = await edits.PrincipalAsync(new PrincipalEditRequest(5, 0, 3), T);
        var pNode = await rooms.NodeAsync(await rooms.PostAsync(principal.Method, principal.Draft!, principal.Png, T), T);
        Assert.Equal(pNode.Png, (await edits.RenderStartAsync(0, (await rooms.ContinueAsync(pNode.Summary.Id, T)).Latent, T)).Png);
        EditFrame? last = null;
        await foreach (var f in edits.OptimizeAsync(new OptimizeRequest(5, "a smiling old man", Steps: 2, L2Lambda: 0.008), T)) last = f;
        var oNode = await rooms.NodeAsync(await rooms.PostAsync(last!.Method, last.Draft!, last.Png, T), T);
        Assert.Contains("\"steps\":2", oNode.Parameters);
        Assert.Contains("\"domainLambda\":2,\"sharedOffset\":true", oNode.Parameters);        // the pack's in-domain guidance, recorded (ADR 0017)
        Assert.Equal(oNode.Png, (await edits.RenderStartAsync(0, (await rooms.ContinueAsync(oNode.Summary.Id, T)).Latent, T)).Png);

        // Compare's cells post as "compare" nodes.
        CompareResult? cell = null;
        await foreach (var c in create.CompareAsync(new CompareRequest(5, "a face", "a smiling face", Steps: 1, Only: "global"), T)) cell = c;
        Assert.Equal(0.9, cell!.KnobValue);                                                    // compare's global cell starts at Edit's α 0.9 (ADR 0011)
        var cNode = await rooms.NodeAsync(await rooms.PostAsync(cell!.Method, cell.Draft!, cell.Png, T), T);
        Assert.Equal(("compare", "global direction"), (cNode.Summary.Kind, cNode.Summary.Method));

        // A viewer's link is a target, but posting through it is refused.
        string viewer = await rooms.AddLinkAsync(RoomRole.Viewer, ct: T);
        await rooms.AddLinkAsync(RoomRole.Editor, TimeSpan.FromDays(7), T);                  // a link that expires
        var expires = Assert.Single(await rooms.LinksAsync(T), l => l.Expires is not null).Expires!.Value;
        Assert.InRange(expires - DateTime.UtcNow, TimeSpan.FromDays(7) - TimeSpan.FromMinutes(5), TimeSpan.FromDays(7));
        await Assert.ThrowsAsync<ArgumentException>(() => rooms.AddLinkAsync(RoomRole.Editor, TimeSpan.FromDays(400), T));
        using var other = factory.Services.CreateScope();
        var viewerRooms = other.ServiceProvider.GetRequiredService<IRoomService>();
        await viewerRooms.OpenAsync(viewer, "Bo", T);
        Assert.Equal(RoomRole.Viewer, (await viewerRooms.TargetAsync(T))!.Role);
        await Assert.ThrowsAsync<InvalidOperationException>(() => viewerRooms.PostAsync(global.Method, global.Draft!, global.Png, T));
    }

    /// <summary>#17: in a batch of clients' edit frames, a client whose own input fails (its start is gone, or the editor
    /// refuses its request) gets its own error, and the others their frames.</summary>
    [Fact]
    public async Task A_failing_input_in_a_batch_of_edit_frames_fails_only_its_own_client()
    {
        var host = factory.Services.GetRequiredService<EngineHost>();
        var pack = await host.Edits.WaitAsync(T);
        Func<byte[], EditFrame> Format(FaceWeb.Engine.Editing.EditResult r, TorchSharp.torch.Tensor _) =>
            png => new(png, FaceWeb.Engine.Editing.EditMethods.Title(r.Method), r.Detail, r.Milliseconds);
        var slider = pack.Editor.Sliders.Keys.First();
        var outcomes = await host.Scheduler.RunAsync("test", engineToken => pack.EditFrames.Outcomes(
        [
            new EditJob(() => pack.Editor.SeedStart(1, 0.7), new FaceWeb.Engine.Editing.SliderEdit([(slider, 1.0)]), Format),
            new EditJob(() => throw new ArgumentException("That latent is no longer in this session; pick another start."), new FaceWeb.Engine.Editing.PrincipalEdit(0, 1), Format),
            new EditJob(() => pack.Editor.SeedStart(2, 0.7), new FaceWeb.Engine.Editing.MapperEdit("no such mapper", 1), Format),
            new EditJob(() => pack.Editor.SeedStart(3, 0.7), new FaceWeb.Engine.Editing.PrincipalEdit(0, 2), Format),
        ], engineToken), T);
        Assert.Equal(["InterFaceGAN", null, null, "GANSpace"], outcomes.Select(o => o.Value?.Encode().Method));
        Assert.Contains("no longer in this session", outcomes[1].Error!.Message);
        Assert.Contains("no such mapper", outcomes[2].Error!.Message);
    }

    /// <summary>#7: a fresh start on the embedded pack offers every method with the pack's own FaceCLIP-mini, on CPU.</summary>
    [Fact]
    public async Task The_default_pack_offers_free_text_edits_built_in_sliders_and_learning_sliders()
    {
        using var scope = factory.Services.CreateScope();
        var edits = scope.ServiceProvider.GetRequiredService<IEditService>();
        var caps = await edits.GetCapabilitiesAsync(T);
        Assert.True(caps.TextEdits, caps.Unavailable);
        Assert.True(caps.GlobalDirections);
        Assert.False(caps.CanPrecompute);
        Assert.True(caps.Mappers.Count >= 3, string.Join(", ", caps.Mappers));

        var start = await edits.RenderStartAsync(5, null, T);
        var global = await edits.GlobalAsync(new GlobalEditRequest(5, "a face", "a face with blond hair", 4, 0.05), T);
        Assert.Contains("channels", global.Detail);
        Assert.NotEqual(start.Png, global.Png);
        var mapped = await edits.MapperAsync(new MapperEditRequest(5, caps.Mappers[0], 1), T);
        Assert.NotEqual(start.Png, mapped.Png);
        var principal = await edits.PrincipalAsync(new PrincipalEditRequest(5, 0, 3), T);
        Assert.Equal("GANSpace", principal.Method);
        Assert.Contains("direction 0", principal.Detail);
        Assert.NotEqual(start.Png, principal.Png);
        Assert.Equal(start.Png, (await edits.PrincipalAsync(new PrincipalEditRequest(5, 0, 0), T)).Png);   // α 0 is the start itself

        // ψ travels with the session: a seed start at the session's ψ is Generate's image at that ψ.
        var session = scope.ServiceProvider.GetRequiredService<ISessionLatents>();
        session.SetTruncation(0.4);
        var generated = await scope.ServiceProvider.GetRequiredService<IFaceRenderService>().RenderAsync(new GenerateRequest(5, 0.4), T);
        Assert.Equal(generated.Png, (await edits.RenderStartAsync(5, null, T)).Png);
        Assert.NotEqual(start.Png, generated.Png);
        session.SetTruncation(0.7);

        var frames = new List<EditFrame>();
        await foreach (var f in edits.OptimizeAsync(new OptimizeRequest(5, "a smiling old man", Steps: 3, L2Lambda: 0.008), T)) frames.Add(f);
        Assert.Contains(frames, f => f.Detail.Contains("step 3", StringComparison.Ordinal));
        Assert.True(caps.InDomain);                                                         // the pack has an encoder: guided by default (ADR 0017)
        Assert.All(frames, f => Assert.Contains("in-domain λ 2, one offset in W", f.Detail));
        var plain = new List<EditFrame>();
        await foreach (var f in edits.OptimizeAsync(new OptimizeRequest(5, "a smiling old man", Steps: 3, L2Lambda: 0.008, InDomain: false), T)) plain.Add(f);
        Assert.DoesNotContain("in-domain", plain[^1].Detail);
        Assert.NotEqual(frames[^1].Png, plain[^1].Png);

        var sliders = scope.ServiceProvider.GetRequiredService<ISliderService>();
        var catalog = await sliders.GetCatalogAsync(T);
        Assert.True(catalog.CanLearn, catalog.LearnUnavailable);
        Assert.Empty(catalog.Problems);
        foreach (var name in new[] { "age", "smiling", "male", "eyeglasses", "blond hair", "beard", "bangs", "heavy makeup" })
            Assert.Contains(catalog.Sliders, s => s.Name == name && s.ValidationAccuracy > 0.8);
        var older = await sliders.RenderAsync(new SliderRequest(5, new Dictionary<string, double> { ["age"] = 3 }, []), T);
        Assert.NotEqual(start.Png, older.Png);
    }

    [Fact]
    public async Task Bad_requests_get_clear_errors()
    {
        using var scope = factory.Services.CreateScope();
        var renderer = scope.ServiceProvider.GetRequiredService<IFaceRenderService>();
        var e = await Assert.ThrowsAsync<ArgumentException>(() => renderer.RenderAsync(new GenerateRequest(1, double.NaN), T));
        Assert.Contains("Truncation", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => renderer.RenderAsync(new GenerateRequest(-1, 0.5), T));
    }

    /// <summary>#14 item 5: every kind of input a user can get wrong, through the real services, with the message shown.</summary>
    [Fact]
    public async Task Inputs_out_of_range_invisible_or_too_long_are_refused_with_a_message()
    {
        using var scope = factory.Services.CreateScope();
        var renderer = scope.ServiceProvider.GetRequiredService<IFaceRenderService>();
        var edits = scope.ServiceProvider.GetRequiredService<IEditService>();
        var create = scope.ServiceProvider.GetRequiredService<ICreateService>();
        var sliders = scope.ServiceProvider.GetRequiredService<ISliderService>();
        async Task<string> Refused(Func<Task> call) => (await Assert.ThrowsAsync<ArgumentException>(call)).Message;
        static async Task Drain<TItem>(IAsyncEnumerable<TItem> items) { await foreach (var _ in items) { } }

        // Seeds stay in 0 … 2^31 − 1, also for a strip of consecutive faces.
        Assert.Contains("between 0 and 2147483647", await Refused(() => renderer.RenderAsync(new GenerateRequest(long.MaxValue, 0.7), T)));
        Assert.Contains("for 3 faces", await Refused(() => Drain(create.TextToFaceAsync(new TextToFaceRequest("a smiling woman", "prior", 3, 0, Inputs.MaxSeed), T))));
        // α, β, strength, slider values: clamped ranges, no NaN or infinity.
        Assert.Contains("α must be a number between -10 and 10", await Refused(() => Drain(create.CompareAsync(new CompareRequest(0, "a face", "a smiling face", Only: "global", Alpha: 1e300), T))));
        Assert.Contains("β", await Refused(() => edits.GlobalAsync(new GlobalEditRequest(0, "a face", "a smiling face", 3, double.NaN), T)));
        Assert.Contains("Strength", await Refused(() => edits.MapperAsync(new MapperEditRequest(0, "x", double.PositiveInfinity), T)));
        Assert.Contains("'age'", await Refused(() => sliders.RenderAsync(new SliderRequest(0, new Dictionary<string, double> { ["age"] = 1e6 }, []), T)));
        // Text: invisible-only and too long.
        Assert.Contains("no visible characters", await Refused(() => Drain(create.TextToFaceAsync(new TextToFaceRequest("\u200B \u200B"), T))));
        Assert.Contains("no visible characters", await Refused(() => edits.GlobalAsync(new GlobalEditRequest(0, "a face", "\u2060\uFEFF", 3, 0.1), T)));
        Assert.Contains("20000 characters; at most 500", await Refused(() => edits.GlobalAsync(new GlobalEditRequest(0, "a face", new string('a', 20_000), 3, 0.1), T)));
        Assert.Contains("at most 100", await Refused(() => Drain(sliders.LearnAsync(new LearnSliderRequest(new string('b', 101)), T))));
        // Uploads: an empty file is a file error; a cut-off PNG says it is damaged, not that there is no face.
        Assert.Equal("The file is empty (0 bytes).", await Refused(() => create.FindFacesAsync([], T)));
        byte[] png = (await renderer.RenderAsync(new GenerateRequest(1, 0.7), T)).Png;
        Assert.Contains("damaged", await Refused(() => create.FindFacesAsync(png[..(png.Length / 2)], T)));
    }

    /// <summary>#14 item 8: security headers, loopback host names only, and the hub refuses other sites' pages.</summary>
    [Fact]
    public async Task Responses_carry_security_headers_and_foreign_hosts_and_origins_are_refused()
    {
        using var client = factory.CreateClient();
        var page = await client.GetAsync("/", T);
        Assert.Equal("nosniff", Assert.Single(page.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(page.Headers.GetValues("Referrer-Policy")));
        var csp = Assert.Single(page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self';", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.False(page.Headers.Contains("Server"));

        using var foreignHost = new HttpRequestMessage(HttpMethod.Get, "/");
        foreignHost.Headers.Host = "faceweb.example";
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await client.SendAsync(foreignHost, T)).StatusCode);

        async Task<System.Net.HttpStatusCode> Negotiate(string origin)
        {
            using var r = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1");
            r.Headers.Add("Origin", origin);
            return (await client.SendAsync(r, T)).StatusCode;
        }
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, await Negotiate("http://faceweb.example"));
        Assert.Equal(System.Net.HttpStatusCode.OK, await Negotiate(client.BaseAddress!.GetLeftPart(UriPartial.Authority)));
    }
}
