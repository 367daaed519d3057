namespace FaceWeb.Server.Rooms;

public enum RoomEventKind { NodePosted, CommentChanged, VerdictChanged, PresenceChanged, LinkRevoked, RoomRenamed, RoomDeleted }

/// <param name="LinkId">For <see cref="RoomEventKind.LinkRevoked"/>: the link that no longer works (its members are cut off).</param>
[GenerateSerializer, Alias("faceweb.room-event")]
public sealed record RoomEvent([property: Id(0)] Guid RoomId, [property: Id(1)] RoomEventKind Kind, [property: Id(2)] long? NodeId = null,
    [property: Id(3)] Guid? LinkId = null);

/// <summary>How a room's members hear of each other's changes. The state itself is in the database; an event only says
/// what to read again. In one process: <see cref="InProcessRoomEvents"/>; across web front-ends:
/// <see cref="Cluster.ClusterRoomEvents"/>.</summary>
public interface IRoomEvents
{
    /// <summary>Events of one room, from this server and (scaled out) every other.</summary>
    IDisposable Subscribe(Guid roomId, Action<RoomEvent> handler);
    /// <summary>Events of every room, called before the room's own handlers (the store's read cache).</summary>
    IDisposable SubscribeAll(Action<RoomEvent> handler);
    void Publish(RoomEvent e);
    /// <summary>Who has the room open on this server (scaled out: told to the others).</summary>
    void SharePresence(Guid roomId, IReadOnlyList<string> here);
    /// <summary>Who has the room open on other servers (in one process: nobody).</summary>
    IReadOnlyList<string> PresentElsewhere(Guid roomId);
}

/// <summary>Fan-out to the circuits of this process. Handlers run on the publisher's thread and must be quick (a page
/// handler only schedules a re-render); one that throws is logged and does not stop the others.</summary>
public class InProcessRoomEvents(ILogger<InProcessRoomEvents> log) : IRoomEvents
{
    static readonly Guid All = Guid.Empty;
    readonly object gate = new();
    readonly Dictionary<Guid, List<Action<RoomEvent>>> handlers = [];

    public IDisposable Subscribe(Guid roomId, Action<RoomEvent> handler)
    {
        lock (gate)
        {
            if (!handlers.TryGetValue(roomId, out var list)) handlers[roomId] = list = [];
            list.Add(handler);
        }
        return new Disposer(() =>
        {
            lock (gate)
                if (handlers.TryGetValue(roomId, out var list) && list.Remove(handler) && list.Count == 0) handlers.Remove(roomId);
        });
    }

    public IDisposable SubscribeAll(Action<RoomEvent> handler) => Subscribe(All, handler);

    /// <summary>The rooms this server has members of (scaled out: the rooms to hear about).</summary>
    protected Guid[] Rooms() { lock (gate) return handlers.Keys.Where(k => k != All).ToArray(); }

    public virtual void Publish(RoomEvent e) => Deliver(e);

    /// <summary>Calls this process's handlers: every-room ones first, then the room's.</summary>
    protected void Deliver(RoomEvent e)
    {
        Action<RoomEvent>[] targets;
        lock (gate)
            targets = [.. handlers.GetValueOrDefault(All) ?? [], .. handlers.GetValueOrDefault(e.RoomId) ?? []];
        foreach (var h in targets)
        {
            try { h(e); }
            catch (Exception ex) { log.LogError(ex, "A room event handler failed ({Kind})", e.Kind); }
        }
    }

    public virtual void SharePresence(Guid roomId, IReadOnlyList<string> here) { }

    public virtual IReadOnlyList<string> PresentElsewhere(Guid roomId) => [];
}
