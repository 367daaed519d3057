using FaceWeb.Server.Rooms;

namespace FaceWeb.Server.Cluster;

/// <summary>A web front-end, as a room's grain calls it back.</summary>
[Alias("faceweb.room-observer")]
public interface IRoomObserver : IGrainObserver
{
    /// <param name="elsewhere">Who has the room open on the other front-ends, as of <see cref="Elsewhere.Version"/>.</param>
    [Alias("heard"), Orleans.Concurrency.OneWay] Task Heard(RoomEvent e, Elsewhere elsewhere);
}

/// <summary>Who is present on the other front-ends. One-way messages can arrive out of order, so the front-end keeps
/// the newest version it has seen (a grain's versions are its clock's ticks, so a rebuilt grain's are newer).</summary>
[GenerateSerializer, Alias("faceweb.room-elsewhere")]
public sealed record Elsewhere([property: Id(0)] long Version, [property: Id(1)] string[] Names);

/// <summary>One per room with members on some front-end: who listens (one observer per front-end, renewed while it has
/// members there) and who is present on each. State lives in memory only: the room itself is in the database, and a
/// grain that is lost with its silo is rebuilt by the front-ends' next renewal.</summary>
[Alias("faceweb.room")]
public interface IRoomGrain : IGrainWithGuidKey
{
    /// <summary>Registers (or renews) a front-end's observer and its members; returns who is present elsewhere.</summary>
    [Alias("join")] Task<Elsewhere> Join(string frontEnd, IRoomObserver observer, string[] here);
    [Alias("leave")] Task Leave(string frontEnd);
    /// <summary>Tells every other front-end.</summary>
    [Alias("publish")] Task Publish(string frontEnd, RoomEvent e);
}

public sealed class RoomGrain(TimeProvider clock) : Grain, IRoomGrain
{
    /// <summary>A front-end that has not renewed for this long is dropped with its members (it died).</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(20);
    readonly Dictionary<string, (IRoomObserver Observer, string[] Here, DateTimeOffset Seen)> frontEnds = new(StringComparer.Ordinal);
    long version;

    public Task<Elsewhere> Join(string frontEnd, IRoomObserver observer, string[] here)
    {
        Expire();
        bool changed = !frontEnds.TryGetValue(frontEnd, out var was) || !was.Here.SequenceEqual(here);
        frontEnds[frontEnd] = (observer, here, clock.GetUtcNow());
        if (changed) Tell(frontEnd, new RoomEvent(this.GetPrimaryKey(), RoomEventKind.PresenceChanged));
        return Task.FromResult(ElsewhereOf(frontEnd));
    }

    public Task Leave(string frontEnd)
    {
        if (frontEnds.Remove(frontEnd)) Tell(frontEnd, new RoomEvent(this.GetPrimaryKey(), RoomEventKind.PresenceChanged));
        if (frontEnds.Count == 0) DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task Publish(string frontEnd, RoomEvent e)
    {
        Expire();
        Tell(frontEnd, e);
        return Task.CompletedTask;
    }

    void Tell(string from, RoomEvent e)
    {
        if (e.Kind == RoomEventKind.PresenceChanged) version = Math.Max(version + 1, clock.GetUtcNow().UtcTicks);
        foreach (var (name, f) in frontEnds)
            if (name != from) _ = f.Observer.Heard(e, ElsewhereOf(name));   // one-way: a dead front-end does not hold up the others
    }

    Elsewhere ElsewhereOf(string frontEnd) =>
        new(version, frontEnds.Where(f => f.Key != frontEnd).SelectMany(f => f.Value.Here).Distinct().ToArray());

    void Expire()
    {
        var now = clock.GetUtcNow();
        foreach (var (name, f) in frontEnds.ToArray())
            if (now - f.Seen > Expiry)
            {
                frontEnds.Remove(name);
                Tell(name, new RoomEvent(this.GetPrimaryKey(), RoomEventKind.PresenceChanged));
            }
    }
}

/// <summary>Room events across web front-ends: delivered here at once, and sent through the room's grain to the other
/// front-ends, which deliver them to their members. Every few seconds this front-end renews its observer and members
/// with each room it has members in, so a grain lost with an engine silo is rebuilt and a dead front-end's members
/// leave the others' lists.</summary>
public sealed class ClusterRoomEvents : InProcessRoomEvents, IRoomObserver, IHostedService, IDisposable
{
    public static readonly TimeSpan Renewal = TimeSpan.FromSeconds(5);
    readonly IClusterClient cluster;
    readonly ILogger log;
    readonly string frontEnd;
    readonly Dictionary<Guid, string[]> here = [];
    readonly Dictionary<Guid, Elsewhere> elsewhere = [];
    readonly object gate = new();
    IRoomObserver? self;
    ITimer? timer;

    public ClusterRoomEvents(IClusterClient cluster, FrontEnd frontEnd, ILogger<ClusterRoomEvents> log) : base(log)
    {
        (this.cluster, this.log, this.frontEnd) = (cluster, log, frontEnd.Id);
    }

    IRoomObserver Self => self ??= cluster.CreateObjectReference<IRoomObserver>(this);

    public override void Publish(RoomEvent e)
    {
        Deliver(e);
        Send(e.RoomId, g => g.Publish(frontEnd, e));
    }

    public override void SharePresence(Guid roomId, IReadOnlyList<string> names)
    {
        string[] now = [.. names];
        lock (gate)
            if (now.Length == 0) here.Remove(roomId);
            else here[roomId] = now;
        Send(roomId, now.Length == 0 ? g => g.Leave(frontEnd) : g => JoinAsync(g, roomId, now));
    }

    public override IReadOnlyList<string> PresentElsewhere(Guid roomId)
    {
        lock (gate) return elsewhere.GetValueOrDefault(roomId)?.Names ?? [];
    }

    public Task Heard(RoomEvent e, Elsewhere others)
    {
        Update(e.RoomId, others);
        Deliver(e);
        return Task.CompletedTask;
    }

    /// <summary>Keeps the newer of what we knew and <paramref name="others"/>; true when who is present changed.</summary>
    bool Update(Guid roomId, Elsewhere others)
    {
        lock (gate)
        {
            var known = elsewhere.GetValueOrDefault(roomId);
            if (known is not null && known.Version > others.Version) return false;
            elsewhere[roomId] = others;
            return known is null ? others.Names.Length > 0 : !known.Names.Order().SequenceEqual(others.Names.Order());
        }
    }

    /// <summary>Joins (or renews); the answer corrects a presence list an out-of-order or lost message left wrong, and the
    /// room's pages here are told when it does.</summary>
    async Task JoinAsync(IRoomGrain grain, Guid roomId, string[] names)
    {
        if (Update(roomId, await grain.Join(frontEnd, Self, names))) Deliver(new RoomEvent(roomId, RoomEventKind.PresenceChanged));
    }

    /// <summary>Fire and forget: a room event must not wait for, or fail with, the cluster (the write is already stored).</summary>
    void Send(Guid roomId, Func<IRoomGrain, Task> call) => _ = SendAsync(roomId, call);

    async Task SendAsync(Guid roomId, Func<IRoomGrain, Task> call)
    {
        try { await call(cluster.GetGrain<IRoomGrain>(roomId)); }
        catch (Exception e) { log.LogWarning("Room {Room}: other front-ends were not told ({Reason}); they catch up at the next renewal", roomId, e.Message); }
    }

    public Task StartAsync(CancellationToken ct)
    {
        timer = TimeProvider.System.CreateTimer(_ => Renew(), null, Renewal, Renewal);
        return Task.CompletedTask;
    }

    void Renew()
    {
        foreach (var room in Rooms())
        {
            string[]? names;
            lock (gate) names = here.GetValueOrDefault(room);
            if (names is not null) Send(room, g => JoinAsync(g, room, names));
        }
    }

    /// <summary>Tells the rooms' grains this front-end is leaving (best effort, at most two seconds in all: the grains
    /// forget a silent front-end within <see cref="RoomGrain.Expiry"/> anyway).</summary>
    public async Task StopAsync(CancellationToken ct)
    {
        timer?.Dispose();
        var leaving = Task.WhenAll(Rooms().Select(room => cluster.GetGrain<IRoomGrain>(room).Leave(frontEnd)));
        try { await leaving.WaitAsync(TimeSpan.FromSeconds(2), ct); }
        catch (Exception e) { log.LogInformation("Leaving the rooms' grains did not finish ({Reason}); they expire this front-end", e.GetType().Name); }
    }

    public void Dispose() => timer?.Dispose();
}
