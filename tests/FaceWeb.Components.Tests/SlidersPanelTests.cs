using System.Runtime.CompilerServices;
using FaceWeb.Components.Edit;
using FaceWeb.Components.Services;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace FaceWeb.Components.Tests;

public sealed class SlidersPanelTests : BunitContext
{
    internal sealed class FakeSliders(SliderCatalog catalog) : ISliderService
    {
        public List<(SliderRequest Request, TaskCompletionSource<EditFrame> Result, CancellationToken Token)> Renders { get; } = [];
        public List<LearnSliderRequest> Learned { get; } = [];
        Action<SliderCatalog>? changed;

        public Task<SliderCatalog> GetCatalogAsync(CancellationToken ct = default) => Task.FromResult(catalog);
        public IDisposable Subscribe(Action<SliderCatalog> c) { changed = c; return new Off(() => changed = null); }
        public void Publish(SliderCatalog c) => changed?.Invoke(c);
        public bool Subscribed => changed is not null;

        public Task<EditFrame> RenderAsync(SliderRequest request, CancellationToken ct = default)
        {
            var tcs = new TaskCompletionSource<EditFrame>(TaskCreationOptions.RunContinuationsAsynchronously);
            ct.Register(() => tcs.TrySetCanceled(ct));
            Renders.Add((request, tcs, ct));
            return tcs.Task;
        }

        public async IAsyncEnumerable<LearnProgress> LearnAsync(LearnSliderRequest request, [EnumeratorCancellation] CancellationToken ct = default)
        {
            Learned.Add(request);
            if (request.Attribute == "wings") throw new ArgumentException("A slider named 'wings' already exists.");
            await Task.Yield();
            yield return new LearnProgress(0.5, "scored 50/100 samples");
            await Task.Yield();
            yield return new LearnProgress(1, $"\"{request.Attribute}\" learned: validation accuracy 95%", new SliderInfo(request.Attribute, "W", 0.95));
        }

        public void Complete(int i, string detail) => Renders[i].Result.TrySetResult(new EditFrame([1, 2, 3], "sliders", detail, 5));

        sealed class Off(Action a) : IDisposable { public void Dispose() => a(); }
    }

    static readonly SliderCatalog Two = new([new("age", "W", 0.91), new("smiling", "W", 0.95)], null, []);
    readonly FakeSliders sliders = new(Two);
    readonly List<EditFrame> previews = [], kept = [];
    readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider clock = new();

    public SlidersPanelTests()
    {
        Pages.SetUp(this, s => s
            .AddSingleton<ISliderService>(sliders)
            .AddSingleton<TimeProvider>(clock));
    }

    IRenderedComponent<SlidersPanel> RenderPanel(long seed = 3) => Render<SlidersPanel>(p => p
        .Add(x => x.Seed, seed)
        .Add(x => x.OnPreview, f => previews.Add(f))
        .Add(x => x.OnKeep, f => kept.Add(f)));

    static Task Drag(IRenderedComponent<SlidersPanel> cut, int slider, double value) =>
        cut.InvokeAsync(() => cut.FindComponents<MudSlider<double>>()[slider].Instance.ValueChanged.InvokeAsync(value));

    /// <summary>#17: on a pack of 256 px or more a moving slider asks for progressive previews; once it has rested for
    /// <see cref="FaceWeb.Components.Live.RestTimer.Rest"/>, the full frame; Keep takes only a full frame.</summary>
    [Fact]
    public async Task On_a_large_pack_a_moving_slider_gets_previews_then_the_full_frame_at_rest_and_keep_takes_that()
    {
        var cut = Render<SlidersPanel>(p => p.Add(x => x.Seed, 3).Add(x => x.Previews, true)
            .Add(x => x.OnPreview, f => previews.Add(f)).Add(x => x.OnKeep, f => kept.Add(f)));
        var d1 = Drag(cut, 0, 1.0);
        var d2 = Drag(cut, 0, 2.0);
        cut.WaitForState(() => sliders.Renders.Count == 2);
        Assert.All(sliders.Renders, r => Assert.True(r.Request.Preview));
        sliders.Renders[1].Result.TrySetResult(new EditFrame([1], "sliders", "age +2.0", 5, PreviewBlock: 64));
        cut.WaitForState(() => previews.Count == 1);
        Assert.True(cut.Find("[data-testid=sliders-keep]").HasAttribute("disabled"));        // a preview cannot be kept
        clock.Advance(FaceWeb.Components.Live.RestTimer.Rest - TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, sliders.Renders.Count);                                             // not yet at rest
        clock.Advance(TimeSpan.FromMilliseconds(1));
        cut.WaitForState(() => sliders.Renders.Count == 3);
        var full = sliders.Renders[2].Request;
        Assert.False(full.Preview);
        Assert.Equal(new Dictionary<string, double> { ["age"] = 2.0 }, full.Values);        // the last position
        sliders.Complete(2, "age +2.0");
        cut.WaitForState(() => previews.Count == 2);
        await cut.InvokeAsync(() => cut.Find("[data-testid=sliders-keep]").Click());
        Assert.False(Assert.Single(kept).IsPreview);
        sliders.Renders[0].Result.TrySetCanceled(Xunit.TestContext.Current.CancellationToken);
        await Task.WhenAll(d1, d2);
    }

    [Fact]
    public async Task Dragging_sends_every_slider_value_the_newest_frame_wins_and_keep_records_it()
    {
        var cut = RenderPanel();
        Assert.Equal(2, cut.FindAll("[data-testid^=slider-]").Count);
        var d1 = Drag(cut, 1, 1.5);                        // smiling
        cut.WaitForState(() => sliders.Renders.Count == 1);
        sliders.Complete(0, "smiling +1.5");
        await d1;
        var d2 = Drag(cut, 0, -2);                          // age, while smiling stays
        var d3 = Drag(cut, 0, -2.2);
        var d4 = Drag(cut, 0, -2.5);
        cut.WaitForState(() => sliders.Renders.Count == 4);
        Assert.False(sliders.Renders[1].Token.IsCancellationRequested, "the page cancels nothing: the engine coalesces");
        var last = sliders.Renders[3].Request;
        Assert.Equal(3, last.Seed);
        Assert.Equal(new Dictionary<string, double> { ["smiling"] = 1.5, ["age"] = -2.5 }, last.Values);
        sliders.Complete(1, "age -2.0");
        sliders.Complete(3, "age -2.5");
        sliders.Complete(2, "age -2.2");                    // a late, older frame is not shown over a newer one
        await Task.WhenAll(d2, d3, d4);
        Assert.Equal(["smiling +1.5", "age -2.0", "age -2.5"], previews.Select(p => p.Detail));

        await cut.InvokeAsync(() => cut.Find("[data-testid=sliders-keep]").Click());
        Assert.Equal("age -2.5", Assert.Single(kept).Detail);
    }

    [Fact]
    public async Task Keep_fixed_and_layer_groups_go_into_the_request_and_no_layer_group_is_refused()
    {
        var cut = RenderPanel();
        var d = Drag(cut, 1, 2);
        cut.WaitForState(() => sliders.Renders.Count == 1);
        sliders.Complete(0, "x");
        await d;
        var checks = cut.FindComponents<MudCheckBox<bool>>();   // keep age, keep smiling, coarse, middle, fine
        async Task Toggle(int box, bool value, Action<SliderRequest> check)
        {
            int before = sliders.Renders.Count;
            var t = cut.InvokeAsync(() => checks[box].Instance.ValueChanged.InvokeAsync(value));
            cut.WaitForState(() => sliders.Renders.Count == before + 1);
            check(sliders.Renders[before].Request);
            sliders.Complete(before, "frame");
            await t;
        }
        await Toggle(0, true, r => Assert.Equal(["age"], r.KeepFixed));
        await Toggle(2, false, r => Assert.Equal((false, true, true), (r.Coarse, r.Middle, r.Fine)));
        await Toggle(3, false, r => Assert.Equal((false, false, true), (r.Coarse, r.Middle, r.Fine)));
        await cut.InvokeAsync(() => checks[4].Instance.ValueChanged.InvokeAsync(false));
        Assert.Contains("at least one layer group", cut.Find("[data-testid=sliders-error]").TextContent);
        Assert.Equal(4, sliders.Renders.Count);
    }

    [Fact]
    public async Task A_slider_learned_elsewhere_appears_and_learning_streams_progress()
    {
        var cut = RenderPanel();
        cut.WaitForState(() => sliders.Subscribed);
        sliders.Publish(Two with { Sliders = [.. Two.Sliders, new("grey hair", "W", 0.9)] });
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=slider-grey-hair]")));

        cut.Find("[data-testid=learn-attribute] input").Input("glasses");
        await cut.InvokeAsync(() => cut.Find("[data-testid=learn]").Click());
        cut.WaitForAssertion(() => Assert.Contains("\"glasses\" learned", cut.Find("[data-testid=learn-message]").TextContent));
        Assert.Equal(new LearnSliderRequest("glasses", 2000, KeepSkinTone: true), Assert.Single(sliders.Learned));

        cut.WaitForState(() => !cut.Find("[data-testid=learn]").HasAttribute("disabled"));
        await cut.InvokeAsync(() => cut.Find("[data-testid=learn-keep-skin-tone] input").Change(false));
        cut.Find("[data-testid=learn-attribute] input").Input("red hair");
        await cut.InvokeAsync(() => cut.Find("[data-testid=learn]").Click());
        cut.WaitForAssertion(() => Assert.Contains("\"red hair\" learned", cut.Find("[data-testid=learn-message]").TextContent));
        Assert.Equal(new LearnSliderRequest("red hair", 2000, KeepSkinTone: false), sliders.Learned[^1]);

        cut.WaitForState(() => !cut.Find("[data-testid=learn]").HasAttribute("disabled"));   // the job has finished rendering
        cut.Find("[data-testid=learn-attribute] input").Input("wings");
        await cut.InvokeAsync(() => cut.Find("[data-testid=learn]").Click());
        cut.WaitForAssertion(() => Assert.Contains("already exists", cut.Find("[data-testid=sliders-error]").TextContent));
    }

    [Fact]
    public async Task An_empty_attribute_is_refused_and_a_pack_without_a_space_says_why()
    {
        var cut = RenderPanel();
        await cut.InvokeAsync(() => cut.Find("[data-testid=learn]").Click());
        Assert.Contains("Type the attribute", cut.Find("[data-testid=sliders-error]").TextContent);
        Assert.Empty(sliders.Learned);

        await using var ctx = Pages.New(s => s
            .AddSingleton<ISliderService>(new FakeSliders(new SliderCatalog([], "needs a text–image space", ["'x' was skipped: wrong width"]))));
        var empty = ctx.Render<SlidersPanel>();
        Assert.Contains("no attribute sliders", empty.Find("[data-testid=no-sliders]").TextContent);
        Assert.Contains("text–image space", empty.Find("[data-testid=learn-unavailable]").TextContent);
        Assert.Contains("wrong width", empty.Markup);
    }
}
