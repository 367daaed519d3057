using FaceWeb.Components.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MudBlazor;
using MudBlazor.Services;

namespace FaceWeb.Components.Tests;

/// <summary>How every page test sets up bUnit: loose JS interop (the pages' modules are not under test here),
/// MudBlazor's services, the test's fakes (no review room unless a test brings one), and MudBlazor's popover host rendered.</summary>
static class Pages
{
    public static void SetUp(BunitContext ctx, Action<IServiceCollection> fakes)
    {
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        fakes(ctx.Services);
        ctx.Services.TryAddScoped<IRoomService, NoRooms>();
        ctx.Services.TryAddSingleton(TimeProvider.System);
        ctx.Render<MudPopoverProvider>();
    }

    /// <summary>A second context (another configuration in the same test), set up the same way.</summary>
    public static BunitContext New(Action<IServiceCollection> fakes)
    {
        var ctx = new BunitContext();
        SetUp(ctx, fakes);
        return ctx;
    }
}
