namespace FaceWeb.Server.Rooms;

public enum RoomEventKind { NodePosted, CommentChanged, VerdictChanged, PresenceChanged, LinkRevoked, RoomRenamed, RoomDeleted }

/// <param name="LinkId">For <see cref="RoomEventKind.LinkRevoked"/>: the link that no longer works (its members are cut off).</param>
public sealed record RoomEvent(Guid RoomId, RoomEventKind Kind, long? NodeId = null, Guid? LinkId = null);

/// <summary>How a room's members hear of each other's changes. The state itself is in the database; an event only says
/// what to read again. In-process now (<see cref="InProcessRoomEvents"/>); a scaled-out deployment fans out across servers.</summary>
public interface IRoomEvents
{
    IDisposable Subscribe(Guid roomId, Action<RoomEvent> handler);
    void Publish(RoomEvent e);
}

/// <summary>Fan-out to the circuits of this process. Handlers run on the publisher's thread and must be quick (a page
/// handler only schedules a re-render); one that throws is logged and does not stop the others.</summary>
public sealed class InProcessRoomEvents(ILogger<InProcessRoomEvents> log) : IRoomEvents
{
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

    public void Publish(RoomEvent e)
    {
        Action<RoomEvent>[] targets;
        lock (gate) targets = handlers.TryGetValue(e.RoomId, out var list) ? [.. list] : [];
        foreach (var h in targets)
        {
            try { h(e); }
            catch (Exception ex) { log.LogError(ex, "A room event handler failed ({Kind})", e.Kind); }
        }
    }
}
