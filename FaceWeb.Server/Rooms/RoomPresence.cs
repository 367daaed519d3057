namespace FaceWeb.Server.Rooms;

/// <summary>Who has each room open right now, per circuit, for this process (a scaled-out deployment shares it through
/// the same event fan-out). A join or leave is published as <see cref="RoomEventKind.PresenceChanged"/>.</summary>
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
        events.Publish(new RoomEvent(roomId, RoomEventKind.PresenceChanged));
        return new Disposer(() =>
        {
            lock (gate)
                if (rooms.TryGetValue(roomId, out var present) && present.Remove(member) && present.Count == 0) rooms.Remove(roomId);
            events.Publish(new RoomEvent(roomId, RoomEventKind.PresenceChanged));
        });
    }

    /// <summary>The display names of those present, sorted, each once.</summary>
    public IReadOnlyList<string> Present(Guid roomId)
    {
        lock (gate) return rooms.TryGetValue(roomId, out var p) ? p.Values.Distinct().Order(StringComparer.OrdinalIgnoreCase).ToList() : [];
    }
}
