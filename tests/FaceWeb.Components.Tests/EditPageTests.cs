using System.Runtime.CompilerServices;
using FaceWeb.Components.Edit;
using FaceWeb.Components.Services;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace FaceWeb.Components.Tests;

public sealed class EditPageTests : BunitContext
{
    sealed class FakeEdits(EditCapabilities caps) : IEditService
    {
        public List<(GlobalEditRequest Request, TaskCompletionSource<EditFrame> Result, CancellationToken Token)> Global { get; } = [];
        public Task<EditCapabilities> GetCapabilitiesAsync(CancellationToken ct = default) =>
            Task.FromResult(precomputed ? caps with { GlobalDirections = true, CanPrecompute = false } : caps);
        public Task<EditFrame> GlobalAsync(GlobalEditRequest request, CancellationToken ct = default)
        {
            var tcs = new TaskCompletionSource<EditFrame>(TaskCreationOptions.RunContinuationsAsynchronously);
            ct.Register(() => tcs.TrySetCanceled(ct));
            Global.Add((request, tcs, ct));
            return tcs.Task;
        }
        public Task<EditFrame> MapperAsync(MapperEditRequest request, CancellationToken ct = default) => throw new NotSupportedException();
        public List<PrincipalEditRequest> Principal { get; } = [];
        public Task<EditFrame> PrincipalAsync(PrincipalEditRequest request, CancellationToken ct = default)
        {
            Principal.Add(request);
            return Task.FromResult(new EditFrame([7], "GANSpace", $"direction {request.Component}, α {request.Alpha}σ", 2));
        }
        public Task<EditFrame> RenderStartAsync(long seed, string? latent, CancellationToken ct = default) => Task.FromResult(new EditFrame([9], "start", $"seed {seed}", 1));
        public List<OptimizeRequest> Optimisations { get; } = [];
        public async IAsyncEnumerable<EditFrame> OptimizeAsync(OptimizeRequest request, [EnumeratorCancellation] CancellationToken ct = default)
        {
            Optimisations.Add(request);
            for (int i = 1; i <= 3; i++)
            {
                await Task.Yield();
                yield return new EditFrame([(byte)i], "optimise", $"step {i}", 1, Progress: i / 3.0);
            }
        }
        public IAsyncEnumerable<JobProgress> TrainMapperAsync(TrainMapperRequest request, CancellationToken ct = default) => throw new NotSupportedException();
        public async IAsyncEnumerable<JobProgress> PrecomputeGlobalAsync([EnumeratorCancellation] CancellationToken ct = default)
        {
            await Task.Yield();
            yield return new JobProgress(0.5, "fs3: 50 % of the channels");
            precomputed = true;
            yield return new JobProgress(1, "global directions are ready", Done: true);
        }
        bool precomputed;
        public void Complete(int i, string detail) => Global[i].Result.TrySetResult(new EditFrame([1, 2, 3], "global", detail, 5, 42));
    }

    readonly FakeEdits edits = new(new EditCapabilities(true, true, [], null));
    readonly FakeSession session = new(new SessionLatent("abc123", "\"a smiling woman\" (seed 0)", [1, 2, 3]));

    public EditPageTests()
    {
        Pages.SetUp(this, s => s
            .AddSingleton<IEditService>(edits)
            .AddSingleton<ISliderService>(new SlidersPanelTests.FakeSliders(new SliderCatalog([new("smiling", "W", 0.9)], null, [])))
            .AddSingleton<ISessionLatents>(session));
    }

    [Fact]
    public async Task Apply_records_history_while_alpha_previews_supersede_each_other_and_are_not_recorded()
    {
        var cut = Render<EditPage>();
        cut.Find("[data-testid=target] input").Input("a smiling face");
        var apply = cut.InvokeAsync(() => cut.Find("[data-testid=apply]").Click());
        cut.WaitForState(() => edits.Global.Count == 1);
        edits.Complete(0, "applied");
        await apply;
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=history-item]")));

        var slider = cut.FindComponents<MudSlider<double>>()[0];
        var d1 = cut.InvokeAsync(() => slider.Instance.ValueChanged.InvokeAsync(2.5));
        var d2 = cut.InvokeAsync(() => slider.Instance.ValueChanged.InvokeAsync(2.0));
        cut.WaitForState(() => edits.Global.Count == 3);
        Assert.False(edits.Global[1].Token.IsCancellationRequested);      // finished, not thrown away
        Assert.Equal(2.5, edits.Global[1].Request.Alpha);
        edits.Complete(1, "in flight");
        Assert.Equal(2.0, edits.Global[2].Request.Alpha);
        Assert.Equal("a smiling face", edits.Global[2].Request.Target);
        edits.Complete(2, "live");
        await Task.WhenAll(d1, d2);
        cut.WaitForAssertion(() => Assert.Contains("live", cut.Find("[data-testid=edit-detail]").TextContent));
        Assert.Single(cut.FindAll("[data-testid=history-item]"));
    }

    [Fact]
    public async Task Discover_directions_previews_each_move_of_a_principal_direction_and_keeps_one_on_request()
    {
        var cut = Render<EditPage>();
        await cut.InvokeAsync(() => cut.FindComponent<MudTabs>().Instance.ActivatePanelAsync((int)EditPage.EditTab.Directions, false));
        Assert.Empty(cut.FindAll("[data-testid=target]"));                      // no prompt: the directions need no text
        var panel = cut.FindComponent<DirectionsPanel>();
        await cut.InvokeAsync(() => panel.FindComponents<MudNumericField<int>>()[0].Instance.ValueChanged.InvokeAsync(2));
        await cut.InvokeAsync(() => panel.FindComponent<MudSlider<double>>().Instance.ValueChanged.InvokeAsync(-1.5));
        cut.WaitForAssertion(() => Assert.Contains("direction 2, α -1.5σ", cut.Find("[data-testid=edit-detail]").TextContent));
        Assert.Equal([(2, 0.0), (2, -1.5)], edits.Principal.Select(r => (r.Component, r.Alpha)));
        Assert.Empty(cut.FindAll("[data-testid=history-item]"));                // previews are not history
        cut.Find("[data-testid=direction-keep]").Click();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=history-item]")));
    }

    [Fact]
    public async Task Identity_weight_is_offered_only_with_an_identity_model_and_goes_into_the_optimisation()
    {
        var cut = Render<EditPage>();
        cut.Find("[data-testid=target] input").Input("a smiling face");
        await cut.InvokeAsync(() => cut.FindComponent<MudTabs>().Instance.ActivatePanelAsync(2, false));
        Assert.True(cut.Find("[data-testid=id-lambda] input").HasAttribute("disabled"));

        var withId = new FakeEdits(new EditCapabilities(true, true, [], null, Identity: true));
        await using var ctx = WithEdits(withId);
        var page = await OptimisationTab(ctx, "a smiling face");
        Assert.False(page.Find("[data-testid=id-lambda] input").HasAttribute("disabled"));
        page.Find("[data-testid=id-lambda] input").Change("0.3");
        await page.InvokeAsync(() => page.Find("[data-testid=optimize]").Click());
        page.WaitForAssertion(() => Assert.Equal(0.3, Assert.Single(withId.Optimisations).IdLambda, 6));
    }

    /// <summary>A context whose Edit page talks to <paramref name="edits"/>, with no sliders and a fake session.</summary>
    static BunitContext WithEdits(FakeEdits edits) => Pages.New(s => s
        .AddSingleton<IEditService>(edits)
        .AddSingleton<ISliderService>(new SlidersPanelTests.FakeSliders(new SliderCatalog([], null, [])))
        .AddSingleton<ISessionLatents>(new FakeSession()));

    /// <summary>The Edit page on its optimisation tab, <paramref name="target"/> typed.</summary>
    static async Task<IRenderedComponent<EditPage>> OptimisationTab(BunitContext ctx, string target)
    {
        var page = ctx.Render<EditPage>();
        page.Find("[data-testid=target] input").Input(target);
        await page.InvokeAsync(() => page.FindComponent<MudTabs>().Instance.ActivatePanelAsync(2, false));
        return page;
    }

    [Fact]
    public async Task Optimisation_keeps_the_face_in_the_pack_domain_unless_switched_off_or_the_pack_has_no_encoder()
    {
        foreach (bool packHasEncoder in new[] { true, false })
        {
            var fake = new FakeEdits(new EditCapabilities(true, true, [], null, InDomain: packHasEncoder));
            await using var ctx = WithEdits(fake);
            var page = await OptimisationTab(ctx, "a smiling face");
            Assert.Equal(!packHasEncoder, page.Find("[data-testid=in-domain] input").HasAttribute("disabled"));
            Assert.Equal(packHasEncoder, page.Find("[data-testid=in-domain] input").HasAttribute("checked"));
            await page.InvokeAsync(() => page.Find("[data-testid=optimize]").Click());
            page.WaitForAssertion(() => Assert.Equal(packHasEncoder, Assert.Single(fake.Optimisations).InDomain));
            if (!packHasEncoder) continue;
            page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=optimize]").HasAttribute("disabled")));   // the first has finished
            page.Find("[data-testid=in-domain] input").Change(false);                       // the paper's plain optimisation
            await page.InvokeAsync(() => page.Find("[data-testid=optimize]").Click());
            page.WaitForAssertion(() => Assert.Equal([true, false], fake.Optimisations.Select(o => o.InDomain)));
        }
    }

    [Fact]
    public async Task A_session_latent_named_in_the_address_is_the_start_of_every_edit()
    {
        var nav = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        nav.NavigateTo("/edit?latent=abc123");
        var cut = Render<EditPage>();
        Assert.Contains("a smiling woman", cut.Find("[data-testid=edit-start-latent]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=edit-seed]"));
        cut.Find("[data-testid=target] input").Input("an old face");
        var apply = cut.InvokeAsync(() => cut.Find("[data-testid=apply]").Click());
        cut.WaitForState(() => edits.Global.Count == 1);
        Assert.Equal("abc123", edits.Global[0].Request.Latent);
        edits.Complete(0, "done");
        await apply;

        nav.NavigateTo("/edit?latent=gone");
        var other = Render<EditPage>();
        // An unknown latent is said, and the page starts where this session left off (abc123), not silently at seed 0.
        Assert.Contains("(gone) is not in this browser's session", other.Find("[data-testid=edit-notice]").TextContent);
        Assert.Contains("a smiling woman", other.Find("[data-testid=edit-start-latent]").TextContent);
        Assert.Single(other.FindAll("[data-testid=history-item]"));    // the history of the session, with the applied edit
    }

    [Fact]
    public async Task Precomputing_global_directions_streams_progress_and_then_offers_the_edit()
    {
        await using var ctx = WithEdits(new FakeEdits(new EditCapabilities(true, false, [], null, CanPrecompute: true)));
        var page = ctx.Render<EditPage>();
        await page.InvokeAsync(() => page.FindComponent<MudTabs>().Instance.ActivatePanelAsync(0, false));
        Assert.Empty(page.FindAll("[data-testid=apply]"));
        await page.InvokeAsync(() => page.Find("[data-testid=precompute-start]").Click());
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=apply]")));
    }

    [Fact]
    public async Task A_painted_region_goes_with_the_optimisation_as_a_mask_at_the_pack_resolution()
    {
        var fake = new FakeEdits(new EditCapabilities(true, true, [], null, Resolution: 64));
        await using var ctx = WithEdits(fake);
        var page = await OptimisationTab(ctx, "red hair");
        await page.InvokeAsync(() => page.FindComponent<MudSwitch<bool>>().Instance.ValueChanged.InvokeAsync(true));
        var canvas = page.FindComponent<FaceWeb.Components.Shared.SketchCanvas>();
        Assert.Equal("data:image/png;base64,CQ==", canvas.Instance.Background);          // painted over the start image
        await page.InvokeAsync(() => canvas.Instance.AddStroke("pen", 0.3, [0.5, 0.1, 0.5, 0.2]));
        await page.InvokeAsync(() => page.Find("[data-testid=optimize]").Click());
        page.WaitForAssertion(() => Assert.Single(fake.Optimisations));
        var r = fake.Optimisations[0];
        Assert.Equal((64, 64 * 64), (r.RegionSize, r.Region!.Length));
        Assert.Equal(1f, r.Region[10 * 64 + 32]);                                         // painted: may change
        Assert.Equal(0f, r.Region[60 * 64 + 32]);                                         // not painted
    }

    [Fact]
    public async Task A_suggested_target_fills_both_prompts_and_applies_from_a_face()
    {
        var cut = Render<EditPage>();
        cut.Find("[data-testid=neutral] input").Input("a portrait");
        var chips = cut.FindAll("[data-testid=suggested-target]");
        Assert.Equal(EditPage.SuggestedTargets, chips.Select(c => c.TextContent.Trim()));
        var chip = chips.Single(c => c.TextContent.Trim() == "the face of a female");
        var click = cut.InvokeAsync(() => chip.Click());
        cut.WaitForState(() => edits.Global.Count == 1);
        var request = edits.Global[0].Request;
        Assert.Equal(("a face", "the face of a female", 0.9, 0.12), (request.Neutral, request.Target, request.Alpha, request.Beta));
        edits.Complete(0, "suggested");
        await click;
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=history-item]")));
        Assert.Equal("the face of a female", cut.Find("[data-testid=target] input").GetAttribute("value"));
    }

    [Fact]
    public void Without_a_target_apply_asks_for_one()
    {
        var cut = Render<EditPage>();
        cut.Find("[data-testid=apply]").Click();
        Assert.Contains("target prompt", cut.Find("[data-testid=edit-error]").TextContent);
        Assert.Empty(edits.Global);
    }

    [Fact]
    public async Task Unavailable_editing_says_why()
    {
        await using var ctx = Pages.New(s => s
            .AddSingleton<IEditService>(new FakeEdits(new EditCapabilities(false, false, [], "no text–image space configured")))
            .AddSingleton<ISliderService>(new SlidersPanelTests.FakeSliders(new SliderCatalog([new("smiling", "W", 0.9)], "needs a space", [])))
            .AddSingleton<ISessionLatents>(new FakeSession()));
        var cut = ctx.Render<EditPage>();
        Assert.Contains("no text–image space configured", cut.Find("[data-testid=edit-unavailable]").TextContent);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=slider-smiling]")));   // the sliders still work
        Assert.Empty(cut.FindAll("[data-testid=target]"));
    }
}
