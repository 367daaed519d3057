using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace FaceWeb.Server.Cluster;

/// <summary>Places an engine grain (key "{pack hash}/…") on a random engine silo whose metadata says it loaded that pack.</summary>
[GenerateSerializer, Alias("faceweb.pack-placement")]
public sealed class PackPlacement : PlacementStrategy
{
    public const string MetadataKey = "faceweb.pack";
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class PackPlacementAttribute() : PlacementAttribute(new PackPlacement());

/// <summary>No silo with the pack: the call fails with a message that says so (nothing is placed elsewhere).</summary>
public sealed class PackPlacementDirector : IPlacementDirector
{
    readonly Func<SiloAddress, string?> packOf;

    public PackPlacementDirector(ISiloMetadataCache metadata) : this(s => metadata.GetSiloMetadata(s).Metadata.GetValueOrDefault(PackPlacement.MetadataKey)) { }

    /// <param name="packOf">The pack hash a silo said it loaded (tests give it directly).</param>
    internal PackPlacementDirector(Func<SiloAddress, string?> packOf) => this.packOf = packOf;

    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string pack = target.GrainIdentity.Key.ToString()!.Split('/', 2)[0];
        var silos = context.GetCompatibleSilos(target).Where(s => packOf(s) == pack).ToArray();
        if (silos.Length == 0) throw new InvalidOperationException($"No engine server has the model pack {pack} loaded.");
        return Task.FromResult(silos[Random.Shared.Next(silos.Length)]);
    }
}
