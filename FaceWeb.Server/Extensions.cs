using FaceWeb.Components.Services;
using Microsoft.AspNetCore.Components.Server.Circuits;
using MudBlazor.Services;

namespace FaceWeb.Server;

public static class Extensions
{
    /// <summary>All of FaceWeb's services: Blazor Server, MudBlazor, the engine (one per process) and its scheduler.</summary>
    public static WebApplicationBuilder AddFaceWeb(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        // SIGTERM: running jobs get this long to notice their cancellation before the host stops.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        // 64 KB per message from a browser (SignalR's default is 32 KB): the largest legitimate messages are a prompt field
        // at its limit (Inputs.PromptLength) and a sketch stroke (at most 2 000 points), both well below it.
        builder.Services.AddRazorComponents().AddInteractiveServerComponents()
            .AddHubOptions(o => o.MaximumReceiveMessageSize = 64 * 1024);
        builder.Services.AddMudServices();
        builder.Services.Configure<EngineOptions>(builder.Configuration.GetSection(EngineOptions.Section));
        builder.Services.AddSingleton<EngineHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EngineHost>());
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<JobLog>();
        builder.Services.AddSingleton(sp => new Persistence.Database(builder.Configuration.GetConnectionString("Postgres"),
            sp.GetRequiredService<EngineHost>().DataDirectory, builder.Configuration.GetValue("FaceWeb:DatabaseBusySeconds", 5)));
        builder.Services.AddHostedService<Persistence.DatabaseMigrator>();
        builder.Services.AddSingleton<TrainingPolicy>();
        builder.Services.AddSingleton<Rooms.IRoomEvents, Rooms.InProcessRoomEvents>();
        builder.Services.AddSingleton<Rooms.RoomStore>();
        builder.Services.AddSingleton<Rooms.RoomPresence>();
        builder.Services.AddSingleton<Rooms.RoomArchive>();
        builder.Services.AddScoped<IRoomService, Rooms.RoomService>();
        builder.Services.AddScoped<CircuitWork>();
        builder.Services.AddScoped<CircuitHandler, CircuitEvents>();
        builder.Services.AddScoped<EngineSession>();
        builder.Services.AddSingleton<SeedWork>();
        builder.Services.AddScoped<ISeedEngine, LocalSeedEngine>();
        builder.Services.AddScoped<IFaceRenderService, FaceRenderService>();
        builder.Services.AddScoped<SessionLatentStore>();
        builder.Services.AddScoped<ISessionLatents>(sp => sp.GetRequiredService<SessionLatentStore>());
        builder.Services.AddScoped<IEditService, EditService>();
        builder.Services.AddScoped<ISliderService, SliderService>();
        builder.Services.AddScoped<ICreateService, CreateService>();
        return builder;
    }
}
