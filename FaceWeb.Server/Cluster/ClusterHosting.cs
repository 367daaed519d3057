using FaceWeb.Components.Services;
using FaceWeb.Server.Rooms;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace FaceWeb.Server.Cluster;

/// <summary>What this process is (FaceWeb:Role): <c>all</c> (the default: one process, its own engine, no external
/// services), <c>web</c> (Blazor circuits and no engine: every page's engine work goes to the engine pool, rooms are
/// shared with the other front-ends), <c>engine</c> (an Orleans silo that owns one device and runs engine grains) or <c>balancer</c> (YARP in
/// front of the web front-ends, sticky by cookie).</summary>
public enum ServerRole { All, Web, Engine, Balancer }

public sealed class ClusterSettings
{
    public const string Section = "FaceWeb:Cluster";
    /// <summary>Redis (clustering) for <c>web</c> and <c>engine</c>, e.g. 127.0.0.1:6379.</summary>
    public string? Redis { get; set; }
    public string ClusterId { get; set; } = "faceweb";
    /// <summary>This process's name in logs and room presence (default: host name and process id).</summary>
    public string? Name { get; set; }
    /// <summary>An engine silo's ports (silo-to-silo and the web front-ends' gateway).</summary>
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;
    /// <summary>An engine silo's advertised address (default 127.0.0.1: one machine; set the machine's address otherwise).</summary>
    public string Address { get; set; } = "127.0.0.1";
    /// <summary>The balancer's web front-ends (URLs).</summary>
    public string[] FrontEnds { get; set; } = [];

    public static ServerRole Role(IConfiguration config) =>
        Enum.TryParse<ServerRole>(config["FaceWeb:Role"] ?? "all", ignoreCase: true, out var r) && Enum.IsDefined(r) ? r
            : throw new ArgumentException($"FaceWeb:Role is '{config["FaceWeb:Role"]}': use all, web, engine or balancer.");

    public string RedisOrThrow => string.IsNullOrWhiteSpace(Redis)
        ? throw new ArgumentException("FaceWeb:Cluster:Redis is needed for the web and engine roles (e.g. 127.0.0.1:6379).") : Redis;
}

/// <summary>This front-end's name, as the other front-ends and the room grains know it.</summary>
public sealed record FrontEnd(string Id);

public static class ClusterHosting
{
    /// <summary>A silo is declared dead after about six seconds without answers (three missed probes of two seconds), so a
    /// killed engine silo's circuits move on while the user is still there (Orleans' defaults take about fifteen), yet a
    /// silo starved of CPU for a second or two is not thrown out. Loopback and LAN settings.</summary>
    static void FastFailure(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(2);
        o.NumMissedProbesLimit = 3;
        o.NumVotesForDeathDeclaration = 1;
        o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
    }

    /// <summary>The pages' requests and frames (FaceWeb.Components.Services records) cross the wire as JSON, so the
    /// pages' library needs no Orleans attributes; computed properties (data URLs) stay behind.</summary>
    static void PagesRecords(ISerializerBuilder s) => s.AddJsonSerializer(
        isSupported: t => t.Namespace == "FaceWeb.Components.Services",
        jsonSerializerOptions: new System.Text.Json.JsonSerializerOptions { IgnoreReadOnlyProperties = true });

    /// <summary>An engine silo: the engine, the grains, Redis clustering, the pack it loaded in its metadata.</summary>
    public static WebApplicationBuilder AddEngineSilo(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(ClusterSettings.Section).Get<ClusterSettings>() ?? new();
        string redis = settings.RedisOrThrow;
        builder.Host.UseOrleans((context, silo) =>
        {
            silo.UseRedisClustering(o => o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis));
            silo.Configure<Orleans.Configuration.ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (settings.ClusterId, "faceweb"));
            silo.ConfigureEndpoints(System.Net.IPAddress.Parse(settings.Address), settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: false);
            silo.Configure<ClusterMembershipOptions>(FastFailure);
            silo.Configure<SiloOptions>(o => o.SiloName = settings.Name ?? $"engine-{Environment.MachineName}-{Environment.ProcessId}");
            silo.UseSiloMetadata(new Dictionary<string, string>
            {
                [PackPlacement.MetadataKey] = PackIdentity.Of(EngineHost.PackDirectoryFor(
                    context.Configuration.GetSection(EngineOptions.Section).Get<EngineOptions>() ?? new(), builder.Environment.ContentRootPath)),
            });
            silo.Services.AddPlacementDirector<PackPlacement, PackPlacementDirector>();
            silo.Services.AddSerializer(PagesRecords);
        });
        return builder;
    }

    /// <summary>A web front-end: an Orleans client of the engine silos (every page's engine work, room events); its rooms and
    /// sessions are in the shared database (ConnectionStrings:Postgres).</summary>
    public static WebApplicationBuilder AddWebFrontEnd(this WebApplicationBuilder builder)
    {
        var settings = builder.AddOrleansClient();
        builder.Services.AddSingleton(new FrontEnd(settings.Name ?? $"web-{Environment.MachineName}-{Environment.ProcessId}"));
        builder.Services.AddSingleton<ClusterRoomEvents>();
        builder.Services.AddSingleton<IRoomEvents>(sp => sp.GetRequiredService<ClusterRoomEvents>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ClusterRoomEvents>());
        builder.Services.AddScoped<ClusterCalls>();
        builder.Services.AddScoped<ISeedEngine, ClusterSeedEngine>();
        builder.Services.AddScoped<IEditService, ClusterEditService>();
        builder.Services.AddScoped<ISliderService, ClusterSliderService>();
        builder.Services.AddScoped<ICreateService, ClusterCreateService>();
        builder.Services.PostConfigure<EngineOptions>(o => o.NoEngine = true);   // it renders nothing: no engine of its own
        return builder;
    }

    /// <summary>The Orleans client a web front-end is (also the benchmark's): Redis clustering, short response timeout
    /// for live work, and a start that waits for the first engine silo instead of giving up.</summary>
    public static ClusterSettings AddOrleansClient(this IHostApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(ClusterSettings.Section).Get<ClusterSettings>() ?? new();
        string redis = settings.RedisOrThrow;
        var before = builder.Services.Where(d => d.ServiceType == typeof(IHostedService)).ToHashSet();
        builder.UseOrleansClient(client =>
        {
            client.UseRedisClustering(o => o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis));
            client.Configure<Orleans.Configuration.ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (settings.ClusterId, "faceweb"));
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
            client.Services.AddSerializer(PagesRecords);
            client.UseConnectionRetryFilter(async (e, ct) =>
            {
                Console.Error.WriteLine($"Waiting for the cluster '{settings.ClusterId}' (Redis and an engine silo): {e.Message}");
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                return true;
            });
        });
        // The client's stop waits for gateways; with every engine silo gone it outlasts the shutdown time and its
        // cancellation would end the process with an unhandled exception. Stopped late is still stopped.
        foreach (var d in builder.Services.Where(d => d.ServiceType == typeof(IHostedService) && !d.IsKeyedService && !before.Contains(d)).ToList())
        {
            builder.Services.Remove(d);
            builder.Services.AddSingleton<IHostedService>(sp => new QuietStop(
                d.ImplementationInstance as IHostedService ?? (IHostedService)(d.ImplementationFactory?.Invoke(sp) ?? ActivatorUtilities.CreateInstance(sp, d.ImplementationType!)),
                sp.GetRequiredService<ILogger<QuietStop>>()));
        }
        return settings;
    }

    /// <summary>A hosted service whose stop, cut short by the host's shutdown time, is logged instead of thrown.</summary>
    sealed class QuietStop(IHostedService inner, ILogger<QuietStop> log) : IHostedService
    {
        public Task StartAsync(CancellationToken ct) => inner.StartAsync(ct);

        public async Task StopAsync(CancellationToken ct)
        {
            try { await inner.StopAsync(ct); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                log.LogWarning("The Orleans client did not close within the shutdown time (no engine silo answered); stopping anyway");
            }
        }
    }
}
