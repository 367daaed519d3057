using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace FaceWeb.Server.Cluster;

/// <summary>Places an engine grain (key "{pack hash}/…") on the engine silo, among those whose metadata says they loaded
/// that pack, that holds the fewest engine grains (circuits) now.</summary>
[GenerateSerializer, Alias("faceweb.pack-placement")]
public sealed class PackPlacement : PlacementStrategy
{
    public const string MetadataKey = "faceweb.pack";
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class PackPlacementAttribute() : PlacementAttribute(new PackPlacement());

/// <summary>Each silo's scheduler is fair among its own circuits, so the pool is fair when circuits are spread evenly:
/// a new circuit goes to the silo with the pack that has the fewest engine grains (Orleans' management grain counts
/// them; ties and an unanswered count, e.g. while a dead silo is not yet declared dead, go to a random one). No silo
/// with the pack: the call fails with a message that says so (nothing is placed elsewhere).</summary>
public sealed class PackPlacementDirector : IPlacementDirector
{
    /// <summary>How long a placement waits for the grain counts before it places at random.</summary>
    static readonly TimeSpan CountTimeout = TimeSpan.FromSeconds(1);
    readonly Func<SiloAddress, string?> packOf;
    readonly Func<Task<IReadOnlyDictionary<SiloAddress, int>>>? circuits;

    public PackPlacementDirector(ISiloMetadataCache metadata, IServiceProvider services)
        : this(s => metadata.GetSiloMetadata(s).Metadata.GetValueOrDefault(PackPlacement.MetadataKey), () => Count(services.GetRequiredService<IGrainFactory>())) { }

    /// <param name="packOf">The pack hash a silo said it loaded.</param>
    /// <param name="circuits">Engine grains per silo (tests give both directly).</param>
    internal PackPlacementDirector(Func<SiloAddress, string?> packOf, Func<Task<IReadOnlyDictionary<SiloAddress, int>>>? circuits = null) =>
        (this.packOf, this.circuits) = (packOf, circuits);

    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string pack = target.GrainIdentity.Key.ToString()!.Split('/', 2)[0];
        var silos = context.GetCompatibleSilos(target).Where(s => packOf(s) == pack).ToArray();
        if (silos.Length == 0) throw new InvalidOperationException($"No engine server has the model pack {pack} loaded.");
        IReadOnlyDictionary<SiloAddress, int>? counts = null;
        if (silos.Length > 1 && circuits is not null)
        {
            try { counts = await circuits().WaitAsync(CountTimeout); }
            catch (Exception) { }   // no count within a second, or it failed: placing matters more than placing evenly
        }
        return Fewest(silos, counts);
    }

    /// <summary>The silo with the fewest circuits (a random one of those tied; any, without counts).</summary>
    internal static SiloAddress Fewest(SiloAddress[] silos, IReadOnlyDictionary<SiloAddress, int>? counts)
    {
        int least = counts is null ? 0 : silos.Min(s => counts.GetValueOrDefault(s));
        var best = counts is null ? silos : silos.Where(s => counts.GetValueOrDefault(s) == least).ToArray();
        return best[Random.Shared.Next(best.Length)];
    }

    static async Task<IReadOnlyDictionary<SiloAddress, int>> Count(IGrainFactory grains)
    {
        var stats = await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return stats.Where(s => s.GrainType.Contains(nameof(EngineGrain), StringComparison.Ordinal))
            .GroupBy(s => s.SiloAddress).ToDictionary(g => g.Key, g => g.Sum(s => s.ActivationCount));
    }
}
