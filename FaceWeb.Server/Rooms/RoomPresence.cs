namespace FaceWeb.Server.Rooms;

/// <summary>Who has each room open right now, per circuit: this process's members, plus (scaled out) those the event
/// fan-out hears of on other servers. A join or leave is published as <see cref="RoomEventKind.PresenceChanged"/>.</summary>
public sealed class RoomPresence(IRoomEvents events)
{
    readonly object gate = new();
    readonly Dictionary<Guid, Dictionary<Guid, string>> rooms = [];

    public IDisposable Join(Guid roomId, string displayName)
    {
        var member = Guid.NewGuid();
        lock (gate)
        {
            if (!rooms.TryGetValue(roomId, out var present)) rooms[roomId] = present = [];
            present[member] = displayName;
        }
        events.SharePresence(roomId, Here(roomId));
        events.Publish(new RoomEvent(roomId, RoomEventKind.PresenceChanged));
        return new Disposer(() =>
        {
            lock (gate)
                if (rooms.TryGetValue(roomId, out var present) && present.Remove(member) && present.Count == 0) rooms.Remove(roomId);
            events.SharePresence(roomId, Here(roomId));
            events.Publish(new RoomEvent(roomId, RoomEventKind.PresenceChanged));
        });
    }

    /// <summary>The display names of those present here and on other servers, sorted, each once.</summary>
    public IReadOnlyList<string> Present(Guid roomId) =>
        Here(roomId).Concat(events.PresentElsewhere(roomId)).Distinct().Order(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>The display names present on this server.</summary>
    public IReadOnlyList<string> Here(Guid roomId)
    {
        lock (gate) return rooms.TryGetValue(roomId, out var p) ? p.Values.Distinct().ToList() : [];
    }
}
