using System.Runtime.InteropServices;
using FaceWeb.Components.Services;
using FaceWeb.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using static TorchSharp.torch;

namespace FaceWeb.Server;

/// <summary>One per circuit: the browser session's latents, Edit history and start. Held in memory for the circuit
/// (latents as plain arrays, so no tensor crosses threads, turned back into tensors on the engine thread) and written
/// through to the database under the session's cookie key, so a reload or a server restart finds it again.
/// At most <see cref="Limit"/> latents and <see cref="HistoryLimit"/> history entries; the oldest go first.</summary>
public sealed class SessionLatentStore(Database database, ILogger<SessionLatentStore> log) : ISessionLatents, IAsyncDisposable, IDisposable
{
    public const int Limit = 32, HistoryLimit = 20;
    readonly object gate = new();
    readonly List<SessionLatent> items = [];
    readonly Dictionary<string, (float[] Data, long[] Shape)> latents = [];
    readonly List<EditFrame> history = [];
    Guid? session;
    Task writes = Task.CompletedTask;

    public event Action? Changed;

    public IReadOnlyList<SessionLatent> Items { get { lock (gate) return [.. items]; } }
    public IReadOnlyList<EditFrame> History { get { lock (gate) return [.. history]; } }
    public (long Seed, string? Latent) Start { get; private set; }
    public double Truncation { get; private set; } = 0.7;
    public string? NotKept { get; private set; } = "This page is not linked to a browser session; nothing is kept after a reload.";

    /// <summary>Loads (or starts) the session of the browser's cookie key. Without a key, or when the database cannot
    /// be reached, the session lives in this circuit only and <see cref="NotKept"/> says so.</summary>
    public async Task AttachAsync(string? key, CancellationToken ct)
    {
        if (key is null) return;
        try
        {
            string hash = Secrets.Hash(key);
            await using var db = database.Open();
            var s = await db.Sessions.SingleOrDefaultAsync(x => x.KeyHash == hash, ct);
            var now = DateTime.UtcNow;
            if (s is null) db.Sessions.Add(s = new BrowserSession { Id = Guid.NewGuid(), KeyHash = hash, Created = now });
            s.LastSeen = now;
            await db.SaveChangesAsync(ct);
            var stored = await db.Latents.AsNoTracking().Where(l => l.SessionId == s.Id).OrderByDescending(l => l.Created).Take(Limit).ToListAsync(ct);
            var edits = await db.Edits.AsNoTracking().Where(x => x.SessionId == s.Id).OrderByDescending(x => x.Created).ThenByDescending(x => x.Id).Take(HistoryLimit).ToListAsync(ct);
            lock (gate)
            {
                session = s.Id;
                foreach (var l in stored)
                {
                    items.Add(new SessionLatent(l.Id, l.Label, l.Thumbnail, l.OriginNode));
                    latents[l.Id] = (MemoryMarshal.Cast<byte, float>(l.Data).ToArray(), [1, l.Layers, l.Width]);
                }
                history.AddRange(edits.Select(x => new EditFrame(x.Png, x.Method, x.Detail, x.Milliseconds, x.ChannelsMoved,
                    Draft: x is { Kind: { } kind, Parameters: { } parameters, Latent: { } latent }
                        ? new NodeDraft(kind, parameters, MemoryMarshal.Cast<byte, float>(latent).ToArray(), x.Layers, x.Width, x.OriginNode) : null)));
                Start = (s.StartSeed, s.StartLatent is { } id && latents.ContainsKey(id) ? id : null);
                Truncation = s.StartTruncation;
                Room = s.RoomLink is { } link ? (link, s.RoomName ?? "") : null;
                NotKept = null;
            }
        }
        catch (Exception e) when (e is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
        {
            log.LogError(e, "The session store is unavailable; this circuit's session is kept in memory only");
            NotKept = "The server cannot store this session right now; results are kept until you close or reload the page.";
        }
    }

    /// <summary>Engine thread: copies <paramref name="wplus"/> [1,L,D] and returns its id.</summary>
    public string Add(Tensor wplus, string label, byte[] thumbnail)
    {
        if (wplus.dim() != 3 || wplus.shape[0] != 1) throw new ArgumentException("a session latent is one W+ [1,L,D]");
        return Add(Values(wplus), wplus.shape, label, thumbnail);
    }

    /// <summary>Engine thread: a W+ as plain values (a copy), e.g. for a room node's draft.</summary>
    public static float[] Values(Tensor wplus) => wplus.detach().cpu().to(float32).contiguous().data<float>().ToArray();

    /// <summary>Adds a W+ [1,L,D] given as its values (e.g. a room node's latent, then <paramref name="origin"/> is that
    /// node); returns its id.</summary>
    public string Add(float[] data, long[] shape, string label, byte[] thumbnail, long? origin = null) =>
        Add(Guid.NewGuid().ToString("N")[..12], data, shape, label, thumbnail, origin);

    /// <summary>A latent an engine silo kept for this circuit (a Create result), under the id the silo gave it, so the
    /// frame that names it finds it here; stored like any other.</summary>
    public string Adopt(Cluster.MirroredLatent kept, byte[] thumbnail)
    {
        lock (gate) if (latents.ContainsKey(kept.Id)) return kept.Id;
        return Add(kept.Id, kept.Data, kept.Shape, kept.Label, thumbnail, kept.Origin);
    }

    string Add(string id, float[] data, long[] shape, string label, byte[] thumbnail, long? origin)
    {
        if (shape.Length != 3 || shape[0] != 1 || data.Length != shape[1] * shape[2]) throw new ArgumentException("a session latent is one W+ [1,L,D]");
        lock (gate)
        {
            latents[id] = (data, shape);
            items.Insert(0, new SessionLatent(id, label, thumbnail, origin));
            while (items.Count > Limit) { latents.Remove(items[^1].Id); items.RemoveAt(items.Count - 1); }
        }
        Write(async (db, s) =>
        {
            db.Latents.Add(new StoredLatent
            {
                Id = id, SessionId = s, Label = label, Thumbnail = thumbnail, Data = MemoryMarshal.AsBytes(data.AsSpan()).ToArray(),
                Layers = (int)shape[1], Width = (int)shape[2], Created = DateTime.UtcNow, OriginNode = origin,
            });
            await db.SaveChangesAsync();
            var old = await db.Latents.Where(l => l.SessionId == s).OrderByDescending(l => l.Created).Skip(Limit).Select(l => l.Id).ToListAsync();
            if (old.Count > 0) await db.Latents.Where(l => old.Contains(l.Id)).ExecuteDeleteAsync();
        });
        Changed?.Invoke();
        return id;
    }

    /// <summary>A latent of this session as its values, label and thumbnail, or null when it is not (or no longer) here.</summary>
    public (float[] Data, long[] Shape, SessionLatent Item)? Find(string id)
    {
        lock (gate)
            return latents.TryGetValue(id, out var l) && items.FirstOrDefault(i => i.Id == id) is { } item ? (l.Data, l.Shape, item) : null;
    }

    /// <summary>What an engine elsewhere needs of this session for one call: ψ and the latent the call starts from.</summary>
    public Cluster.SessionView View(string? latent) =>
        new(Truncation, latent is not null && Find(latent) is { } f ? new Cluster.MirroredLatent(latent, f.Data, f.Shape, f.Item.Label, f.Item.Origin) : null);

    /// <summary>An engine silo's copy of a web circuit's session, brought up to date for one call (nothing is stored).</summary>
    public void Mirror(Cluster.SessionView view)
    {
        Truncation = view.Truncation;
        if (view.Latent is not { } l) return;
        lock (gate)
        {
            if (latents.ContainsKey(l.Id)) return;
            latents[l.Id] = (l.Data, l.Shape);
            items.Insert(0, new SessionLatent(l.Id, l.Label, [], l.Origin));
            while (items.Count > Limit) { latents.Remove(items[^1].Id); items.RemoveAt(items.Count - 1); }
        }
    }

    /// <summary>Where an edit of this session starts, for a room node: how the start was made, and the room node it was
    /// continued from (a seed's start has none).</summary>
    public (string From, long? Origin) Provenance(long seed, string? latent) =>
        latent is not null && Find(latent) is { } f ? (f.Item.Label, f.Item.Origin)
        : ($"seed {seed}, ψ {Truncation.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}", null);

    /// <summary>Who this browser is in a room (its verdicts, its rate limit): the stored session's id, else this circuit's.</summary>
    public string MemberKey => (session ?? circuitMember).ToString("N");
    readonly Guid circuitMember = Guid.NewGuid();

    /// <summary>Engine thread: the latent as a new tensor [1,L,D], checked against the generator's W+ shape.</summary>
    public Tensor Get(string id, int nLatent, int styleDim)
    {
        (float[] Data, long[] Shape) l;
        lock (gate)
            if (!latents.TryGetValue(id, out l)) throw new ArgumentException("That latent is no longer in this session; pick another start.");
        if (l.Shape[1] != nLatent || l.Shape[2] != styleDim) throw new ArgumentException("That latent belongs to another generator.");
        return tensor(l.Data, l.Shape);
    }

    public void Record(EditFrame frame)
    {
        lock (gate)
        {
            history.Insert(0, frame);
            if (history.Count > HistoryLimit) history.RemoveAt(history.Count - 1);
        }
        Write(async (db, s) =>
        {
            db.Edits.Add(new StoredEdit
            {
                SessionId = s, Png = frame.Png, Method = frame.Method, Detail = frame.Detail, Milliseconds = frame.Milliseconds,
                ChannelsMoved = frame.ChannelsMoved, Created = DateTime.UtcNow, Kind = frame.Draft?.Kind, Parameters = frame.Draft?.Parameters,
                Latent = frame.Draft is { } d ? MemoryMarshal.AsBytes(d.Latent.AsSpan()).ToArray() : null, Layers = frame.Draft?.Layers ?? 0,
                Width = frame.Draft?.Width ?? 0, OriginNode = frame.Draft?.Origin,
            });
            await db.SaveChangesAsync();
            var old = await db.Edits.Where(x => x.SessionId == s).OrderByDescending(x => x.Created).ThenByDescending(x => x.Id).Skip(HistoryLimit).Select(x => x.Id).ToListAsync();
            if (old.Count > 0) await db.Edits.Where(x => old.Contains(x.Id)).ExecuteDeleteAsync();
        });
    }

    public void SetStart(long seed, string? latent)
    {
        Start = (seed, latent);
        Write(async (db, s) => await db.Sessions.Where(x => x.Id == s)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.StartSeed, seed).SetProperty(x => x.StartLatent, latent)));
    }

    /// <summary>The room link this browser joined last and its display name there: where Edit and Compare post.</summary>
    public (Guid Link, string Name)? Room { get; private set; }

    public void SetRoom(Guid link, string name)
    {
        if (Room == (link, name)) return;
        Room = (link, name);
        Write(async (db, s) => await db.Sessions.Where(x => x.Id == s)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.RoomLink, link).SetProperty(x => x.RoomName, name)));
    }

    public void SetTruncation(double psi)
    {
        if (!double.IsFinite(psi) || psi is < 0 or > 2) throw new ArgumentException("ψ must be between 0 and 2.");
        Truncation = psi;
        Write(async (db, s) => await db.Sessions.Where(x => x.Id == s).ExecuteUpdateAsync(u => u.SetProperty(x => x.StartTruncation, psi)));
    }

    /// <summary>Queues a write after the earlier ones (in order, off the caller's thread); a failure is logged and
    /// noted in <see cref="NotKept"/>, never thrown at the page.</summary>
    void Write(Func<FaceWebDb, Guid, Task> write)
    {
        Guid s;
        lock (gate)
        {
            if (session is not { } id) return;
            s = id;
            writes = writes.ContinueWith(async _ =>
            {
                try
                {
                    await using var db = database.Open();
                    await write(db, s);
                }
                catch (Exception e) when (e is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
                {
                    log.LogError(e, "Could not store a change to session {Session}", s);
                    NotKept = "The server could not store your latest results; they are kept until you close or reload the page.";
                }
            }, TaskScheduler.Default).Unwrap();
        }
    }

    /// <summary>Completes when every queued write is stored.</summary>
    public Task FlushAsync() { lock (gate) return writes; }

    public async ValueTask DisposeAsync() => await FlushAsync();

    /// <summary>A synchronous scope end: queued writes finish on their own.</summary>
    public void Dispose() { }
}
