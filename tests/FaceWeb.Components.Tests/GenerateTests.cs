using FaceWeb.Components.Live;
using FaceWeb.Components.Generate;
using FaceWeb.Components.Services;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace FaceWeb.Components.Tests;

public sealed class GenerateTests : BunitContext
{
    readonly FakeRenderer renderer = new();

    public GenerateTests()
    {
        Pages.SetUp(this, s => s
            .AddSingleton<IFaceRenderService>(renderer)
            .AddSingleton<ISessionLatents>(new FakeSession()));
    }

    static string Src(byte marker) => "data:image/png;base64," + Convert.ToBase64String([0x89, (byte)'P', (byte)'N', (byte)'G', marker]);

    [Fact]
    public void First_render_asks_for_seed_0_at_truncation_0_7_and_shows_it()
    {
        var cut = Render<GeneratePage>();
        Assert.Equal(new GenerateRequest(0, 0.7), Assert.Single(renderer.Calls).Request);
        renderer.Complete(0, marker: 7);
        cut.WaitForAssertion(() => Assert.Equal(Src(7), cut.Find("[data-testid=face]").GetAttribute("src")));
        Assert.Contains("faceweb-seed0-psi0.70.png", cut.Find("[data-testid=download]").OuterHtml);
        Assert.Contains("faceweb-mini", cut.Find("[data-testid=pack]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=untrained-banner]"));
    }

    [Fact]
    public async Task Psi_comes_from_the_session_and_Edit_this_face_hands_the_seed_and_psi_to_the_Edit_page()
    {
        var session = new FakeSession { Truncation = 0.55 };
        var own = new FakeRenderer();
        await using var ctx = Pages.New(s => s
            .AddSingleton<IFaceRenderService>(own)
            .AddSingleton<ISessionLatents>(session));
        var cut = ctx.Render<GeneratePage>();
        Assert.Equal(new GenerateRequest(0, 0.55), Assert.Single(own.Calls).Request);
        own.Complete(0, marker: 3);
        cut.WaitForAssertion(() => cut.Find("[data-testid=edit-this]"));
        cut.Find("[data-testid=edit-this]").Click();
        Assert.Equal((0L, (string?)null), session.Start);
        Assert.Equal(0.55, session.Truncation);
        Assert.EndsWith("/edit", ctx.Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().Uri);
    }

    [Fact]
    public void Keep_this_face_keeps_the_seed_at_the_shown_psi()
    {
        var cut = Render<GeneratePage>();
        renderer.Complete(0, marker: 2);
        cut.WaitForAssertion(() => cut.Find("[data-testid=keep-face]"));
        cut.Find("[data-testid=keep-face]").Click();
        cut.WaitForAssertion(() => Assert.Contains("kept: seed 0, ψ 0.70", cut.Find("[data-testid=kept]").TextContent));
        Assert.Equal([new GenerateRequest(0, 0.7)], renderer.Kept);
    }

    [Fact]
    public async Task Dragging_sends_every_input_without_cancelling_and_a_late_older_frame_never_replaces_a_newer_one()
    {
        var cut = Render<GeneratePage>();
        renderer.Complete(0, marker: 1);
        var slider = cut.FindComponent<MudSlider<double>>();
        // Handlers finish only when their frame arrives, so they are started here and awaited at the end.
        var drag1 = cut.InvokeAsync(() => slider.Instance.ValueChanged.InvokeAsync(0.8));
        var drag2 = cut.InvokeAsync(() => slider.Instance.ValueChanged.InvokeAsync(0.85));
        var drag3 = cut.InvokeAsync(() => slider.Instance.ValueChanged.InvokeAsync(0.9));
        cut.WaitForState(() => renderer.Calls.Count == 4);
        Assert.Equal([0.7, 0.8, 0.85, 0.9], renderer.Calls.Select(c => c.Request.Truncation));
        Assert.DoesNotContain(renderer.Calls, c => c.Token.IsCancellationRequested);   // the engine coalesces, the page cancels nothing
        renderer.Complete(1, marker: 2);
        cut.WaitForAssertion(() => Assert.Equal(Src(2), cut.Find("[data-testid=face]").GetAttribute("src")));
        renderer.Complete(3, marker: 4);
        cut.WaitForAssertion(() => Assert.Equal(Src(4), cut.Find("[data-testid=face]").GetAttribute("src")));
        renderer.Calls[2].Result.TrySetCanceled(Xunit.TestContext.Current.CancellationToken);   // 0.85 was replaced at the engine before it rendered
        await Task.WhenAll(drag1, drag2, drag3);
        Assert.Equal(Src(4), cut.Find("[data-testid=face]").GetAttribute("src"));
        Assert.Empty(cut.FindAll("[data-testid=error]"));
        Assert.Contains("0.90", cut.Markup);
    }

    /// <summary>#17: on a pack of 256 px or more, ψ moving asks for progressive previews (marked as such), and once it
    /// has rested for <see cref="RestTimer.Rest"/> the full frame; a small pack always gets full frames.</summary>
    [Fact]
    public async Task On_a_large_pack_a_moving_psi_gets_previews_then_the_full_frame_when_it_rests()
    {
        var big = new FakeRenderer(resolution: 1024);
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var ctx = Pages.New(s => s
            .AddSingleton<IFaceRenderService>(big)
            .AddSingleton<ISessionLatents>(new FakeSession())
            .AddSingleton<TimeProvider>(clock));
        var cut = ctx.Render<GeneratePage>();
        Assert.False(Assert.Single(big.Calls).Request.Preview);                          // opening the page: the frame
        big.Complete(0);
        var slider = cut.FindComponent<MudSlider<double>>();
        var moves = new[] { 0.8, 0.9 }.Select(v => cut.InvokeAsync(() => slider.Instance.ValueChanged.InvokeAsync(v))).ToList();
        cut.WaitForState(() => big.Calls.Count == 3);
        Assert.Equal([(0.8, true), (0.9, true)], big.Calls.Skip(1).Select(c => (c.Request.Truncation, c.Request.Preview)));
        big.Complete(2, marker: 5);
        cut.WaitForAssertion(() => Assert.StartsWith("preview from the 64 px block", cut.Find("[data-testid=frame-caption]").TextContent));
        clock.Advance(RestTimer.Rest - TimeSpan.FromMilliseconds(1));
        Assert.Equal(3, big.Calls.Count);                                                // not yet at rest
        clock.Advance(TimeSpan.FromMilliseconds(1));
        cut.WaitForState(() => big.Calls.Count == 4);
        Assert.Equal(new GenerateRequest(0, 0.9, Preview: false), big.Calls[3].Request);   // one full frame, of the last position
        big.Complete(3, marker: 6);
        cut.WaitForAssertion(() => Assert.Equal(Src(6), cut.Find("[data-testid=face]").GetAttribute("src")));
        Assert.DoesNotContain("preview", cut.Find("[data-testid=frame-caption]").TextContent);
        big.Calls[1].Result.TrySetCanceled(Xunit.TestContext.Current.CancellationToken);
        await Task.WhenAll(moves);

        // The 64 px default pack: a moving ψ gets frames, no previews and no extra frame at rest.
        var sliderSmall = Render<GeneratePage>();
        renderer.Complete(0);
        _ = sliderSmall.InvokeAsync(() => sliderSmall.FindComponent<MudSlider<double>>().Instance.ValueChanged.InvokeAsync(0.8));
        sliderSmall.WaitForState(() => renderer.Calls.Count == 2);
        Assert.False(renderer.Calls[1].Request.Preview);
    }

    [Fact]
    public async Task Random_picks_a_new_seed_and_seed_field_is_clamped()
    {
        var cut = Render<GeneratePage>();
        renderer.Complete(0);
        var click = cut.InvokeAsync(() => cut.Find("[data-testid=random]").Click());
        cut.WaitForState(() => renderer.Calls.Count == 2);
        Assert.Equal(2, renderer.Calls.Count);
        Assert.InRange(renderer.Calls[1].Request.Seed, 0, int.MaxValue);
        renderer.Complete(1);
        var field = cut.FindComponent<MudNumericField<long>>();
        var typed = cut.InvokeAsync(() => field.Instance.ValueChanged.InvokeAsync(-5));
        cut.WaitForState(() => renderer.Calls.Count == 3);
        Assert.Equal(0, renderer.Calls[2].Request.Seed);
        renderer.Complete(2);
        await Task.WhenAll(click, typed);
    }

    [Fact]
    public async Task Render_errors_are_shown_and_the_last_frame_is_kept()
    {
        var cut = Render<GeneratePage>();
        renderer.Complete(0, marker: 4);
        var slider = cut.FindComponent<MudSlider<double>>();
        var drag = cut.InvokeAsync(() => slider.Instance.ValueChanged.InvokeAsync(0.5));
        cut.WaitForState(() => renderer.Calls.Count == 2);
        renderer.Calls[1].Result.SetException(new InvalidOperationException("The engine is busy"));
        await drag;
        cut.WaitForAssertion(() => Assert.Contains("The engine is busy", cut.Find("[data-testid=error]").TextContent));
        Assert.Equal(Src(4), cut.Find("[data-testid=face]").GetAttribute("src"));
    }

    [Fact]
    public async Task Untrained_placeholder_shows_a_banner()
    {
        await using var ctx = Pages.New(s => s
            .AddSingleton<IFaceRenderService>(new FakeRenderer(trained: false))
            .AddSingleton<ISessionLatents>(new FakeSession()));
        var cut = ctx.Render<GeneratePage>();
        Assert.Contains("untrained placeholder", cut.Find("[data-testid=untrained-banner]").TextContent);
    }
}
