using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using FaceWeb.Components.Services;
using FaceWeb.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace FaceWeb.Server.Rooms;

/// <summary>A room as one ZIP: <c>room.json</c> (title, nodes with their parameters, comments, verdicts) plus each node's
/// PNG and latent (<c>nodes/ID.png</c>, <c>nodes/ID.latent</c>: float32 little-endian). Importing checks the whole
/// archive before anything is written (names, sizes, JSON, shapes, references), then creates a new room with the same
/// tree in one transaction; the importer owns it.</summary>
public sealed partial class RoomArchive(Database database, RoomStore store)
{
    public const long MaxArchiveBytes = 256L << 20, MaxEntryBytes = 8L << 20;
    public const int MaxEntries = 4 * 5_000 + 1;

    sealed record NodeEntry(long Id, long? Parent, string Kind, string Method, string Parameters, string Pack, string PackHash, string Author,
        DateTime Created, int Layers, int Width);
    sealed record CommentEntry(long Id, long Node, long? ReplyTo, string Author, string Text, double? PinX, double? PinY, bool Resolved, DateTime Created);
    sealed record VerdictEntry(long Node, string Member, string Author, VerdictValue Value);
    sealed record RoomFile(int Version, string Title, string Owner, List<NodeEntry> Nodes, List<CommentEntry> Comments, List<VerdictEntry> Verdicts);

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public async Task<byte[]> ExportAsync(RoomAccess a, CancellationToken ct = default)
    {
        await using var db = database.Open();
        var room = await db.Rooms.AsNoTracking().SingleOrDefaultAsync(r => r.Id == a.RoomId, ct) ?? throw new RoomNotFoundException();
        var nodes = await db.RoomNodes.AsNoTracking().Where(n => n.RoomId == a.RoomId).OrderBy(n => n.Id).ToListAsync(ct);
        var comments = await db.RoomComments.AsNoTracking().Where(c => c.RoomId == a.RoomId).OrderBy(c => c.Id).ToListAsync(ct);
        var verdicts = await db.RoomVerdicts.AsNoTracking().Where(v => v.RoomId == a.RoomId).OrderBy(v => v.Id).ToListAsync(ct);
        var file = new RoomFile(1, room.Title, room.OwnerName,
            nodes.Select(n => new NodeEntry(n.Id, n.ParentId, n.Kind, n.Method, n.Parameters, n.PackName, n.PackHash, n.Author, n.Created, n.Layers, n.Width)).ToList(),
            comments.Select(c => new CommentEntry(c.Id, c.NodeId, c.ReplyTo, c.Author, c.Text, c.PinX, c.PinY, c.Resolved, c.Created)).ToList(),
            verdicts.Select(v => new VerdictEntry(v.NodeId, v.Member, v.Author, v.Value)).ToList());
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            await using (var s = zip.CreateEntry("room.json").Open()) await JsonSerializer.SerializeAsync(s, file, Json, ct);
            foreach (var n in nodes)
            {
                await using (var s = zip.CreateEntry($"nodes/{n.Id}.png", CompressionLevel.NoCompression).Open()) await s.WriteAsync(n.Png, ct);
                await using (var s = zip.CreateEntry($"nodes/{n.Id}.latent").Open()) await s.WriteAsync(n.Latent, ct);
            }
        }
        return ms.ToArray();
    }

    /// <summary>The room as a captioned contact sheet: each node's image (oldest first, at most <see cref="SheetNodes"/>)
    /// with its number, parent, kind, method, author, open comments and verdicts.</summary>
    public async Task<byte[]> SheetAsync(RoomAccess a, CancellationToken ct = default)
    {
        var room = await store.LoadAsync(a, ct);
        if (room.Nodes.Count == 0) throw new ArgumentException("The room has no nodes yet.");
        var shown = room.Nodes.Take(SheetNodes).ToList();
        await using var db = database.Open();
        var ids = shown.Select(n => n.Id).ToList();
        var pngs = await db.RoomNodes.AsNoTracking().Where(n => ids.Contains(n.Id)).Select(n => new { n.Id, n.Png }).ToDictionaryAsync(n => n.Id, n => n.Png, ct);
        var captions = shown.Select(n => (IReadOnlyList<string>)[
            $"#{n.Id}{(n.ParentId is long p ? $" from #{p}" : "")} · {n.Kind} · {n.Method}",
            $"{n.Author} · {n.OpenComments} open comments",
            $"approve {n.Approve} · needs work {n.NeedsWork} · reject {n.Reject}"]).ToList();
        return Engine.Evaluation.CaptionedGrid.Png(shown.Select(n => pngs[n.Id]).ToList(), captions, Math.Min(shown.Count, 6), 192);
    }

    public const int SheetNodes = 120;

    [GeneratedRegex(@"^(room\.json|nodes/[0-9]{1,18}\.(png|latent))$")]
    private static partial Regex EntryName();

    /// <summary>A new room from an exported ZIP; returns its owner token. Anything wrong is an <see cref="ArgumentException"/>
    /// that says what, and nothing is written.</summary>
    public async Task<string> ImportAsync(Stream zipStream, string ownerName, CancellationToken ct = default)
    {
        ownerName = RoomLimits.Text(ownerName, "display name", RoomLimits.NameLength);
        using var buffer = new MemoryStream();
        await CopyBounded(zipStream, buffer, MaxArchiveBytes, "The archive", ct);
        buffer.Position = 0;
        ZipArchive zip;
        try { zip = new ZipArchive(buffer, ZipArchiveMode.Read); }
        catch (InvalidDataException) { throw new ArgumentException("That file is not a ZIP archive."); }
        using (zip)
        {
            if (zip.Entries.Count > MaxEntries) throw new ArgumentException($"The archive has {zip.Entries.Count} entries; at most {MaxEntries}.");
            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var e in zip.Entries)
            {
                if (!EntryName().IsMatch(e.FullName)) throw new ArgumentException($"Unexpected entry '{Shown(e.FullName)}' in the archive (only room.json and nodes/ID.png|.latent).");
                if (e.Length > MaxEntryBytes) throw new ArgumentException($"'{e.FullName}' is larger than {MaxEntryBytes >> 20} MB.");
                using var s = e.Open();
                using var one = new MemoryStream();
                await CopyBounded(s, one, MaxEntryBytes, $"'{e.FullName}'", ct);           // the declared size may lie
                if (!files.TryAdd(e.FullName, one.ToArray())) throw new ArgumentException($"'{e.FullName}' appears twice.");
            }
            if (!files.TryGetValue("room.json", out var json)) throw new ArgumentException("The archive has no room.json.");
            RoomFile file;
            try { file = JsonSerializer.Deserialize<RoomFile>(json, Json) ?? throw new JsonException(); }
            catch (JsonException) { throw new ArgumentException("room.json is not a FaceWeb room (wrong JSON)."); }
            if (file.Version != 1 || file.Nodes is null || file.Comments is null || file.Verdicts is null) throw new ArgumentException("room.json is not a FaceWeb room (version 1).");
            string title = RoomLimits.Text(file.Title, "title", RoomLimits.TitleLength);

            var ids = file.Nodes.Select(n => n.Id).ToHashSet();
            if (ids.Count != file.Nodes.Count) throw new ArgumentException("room.json lists a node twice.");
            var nodes = new List<(NodeEntry Entry, byte[] Png, byte[] Latent)>();
            foreach (var n in file.Nodes)
            {
                if (n.Parent is long p && (!ids.Contains(p) || p >= n.Id)) throw new ArgumentException($"Node {n.Id} starts from a node that is not before it in the archive.");
                if (!files.TryGetValue($"nodes/{n.Id}.png", out var png) || !files.TryGetValue($"nodes/{n.Id}.latent", out var latent))
                    throw new ArgumentException($"Node {n.Id} has no image or no latent in the archive.");
                if (n.Layers < 1 || n.Width < 1 || (long)n.Layers * n.Width * 4 != latent.Length || n.Layers * n.Width > RoomStore.MaxLatentValues)
                    throw new ArgumentException($"Node {n.Id}'s latent is {latent.Length} bytes, not {n.Layers} × {n.Width} float32 values.");
                if (MemoryMarshal.Cast<byte, float>(latent).ToArray().Any(v => !float.IsFinite(v))) throw new ArgumentException($"Node {n.Id}'s latent has values that are not numbers.");
                RoomStore.CheckNode(n.Kind, n.Method, n.Parameters, n.Author, png);
                if (string.IsNullOrEmpty(n.Pack) || n.Pack.Length > 200 || string.IsNullOrEmpty(n.PackHash) || n.PackHash.Length > 64)
                    throw new ArgumentException($"Node {n.Id} does not say which pack it came from.");
                nodes.Add((n, png, latent));
            }
            foreach (var c in file.Comments)
            {
                if (!ids.Contains(c.Node)) throw new ArgumentException($"Comment {c.Id} is on a node that is not in the archive.");
                RoomLimits.Text(c.Text, "comment", RoomLimits.CommentLength);
                RoomLimits.Text(c.Author, "display name", RoomLimits.NameLength);
                if (c.PinX is < 0 or > 1 || c.PinY is < 0 or > 1 || (c.PinX is null) != (c.PinY is null)) throw new ArgumentException($"Comment {c.Id}'s pin is not on the image.");
            }
            var commentIds = file.Comments.Select(c => c.Id).ToHashSet();
            if (file.Comments.Any(c => c.ReplyTo is long r && !commentIds.Contains(r))) throw new ArgumentException("A comment replies to one that is not in the archive.");
            if (file.Verdicts.Any(v => !ids.Contains(v.Node) || !Enum.IsDefined(v.Value) || string.IsNullOrWhiteSpace(v.Member) || v.Member.Length > 64))
                throw new ArgumentException("A verdict is on a node that is not in the archive, or is not approve, needs work or reject.");
            if (file.Verdicts.GroupBy(v => (v.Node, v.Member)).Any(g => g.Count() > 1)) throw new ArgumentException("A member has two verdicts on one node.");

            // Everything checked: one transaction creates the room with the same tree.
            var (roomId, token) = (Guid.NewGuid(), Secrets.NewToken());
            var now = DateTime.UtcNow;
            await using var db = database.Open();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            db.Rooms.Add(new Room { Id = roomId, Title = title, OwnerName = ownerName, Created = now });
            db.RoomLinks.Add(new RoomLink { Id = Guid.NewGuid(), RoomId = roomId, TokenHash = Secrets.Hash(token), Role = RoomRole.Owner, Created = now });
            await db.SaveChangesAsync(ct);
            var newId = new Dictionary<long, long>();
            foreach (var (n, png, latent) in nodes)
            {
                var row = new RoomNode
                {
                    RoomId = roomId, ParentId = n.Parent is long p ? newId[p] : null, Kind = n.Kind, Method = n.Method, Parameters = n.Parameters,
                    PackName = n.Pack, PackHash = n.PackHash, Latent = latent, Layers = n.Layers, Width = n.Width, Png = png, Author = n.Author, Created = n.Created,
                };
                db.RoomNodes.Add(row);
                await db.SaveChangesAsync(ct);
                newId[n.Id] = row.Id;
            }
            var newComment = new Dictionary<long, long>();
            foreach (var c in file.Comments.OrderBy(c => c.Id))
            {
                var row = new RoomComment
                {
                    RoomId = roomId, NodeId = newId[c.Node], ReplyTo = c.ReplyTo is long r && newComment.TryGetValue(r, out var nr) ? nr : null,
                    Author = c.Author, Text = c.Text, PinX = c.PinX, PinY = c.PinY, Resolved = c.Resolved, Created = c.Created,
                };
                db.RoomComments.Add(row);
                await db.SaveChangesAsync(ct);
                newComment[c.Id] = row.Id;
            }
            foreach (var v in file.Verdicts)
                db.RoomVerdicts.Add(new RoomVerdict { RoomId = roomId, NodeId = newId[v.Node], Member = v.Member, Author = v.Author, Value = v.Value, Updated = now });
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            store.Invalidate(roomId);
            return token;
        }
    }

    static async Task CopyBounded(Stream from, Stream to, long max, string what, CancellationToken ct)
    {
        var chunk = new byte[81920];
        long total = 0;
        int n;
        while ((n = await from.ReadAsync(chunk, ct)) > 0)
        {
            total += n;
            if (total > max) throw new ArgumentException($"{what} is larger than {max >> 20} MB.");
            await to.WriteAsync(chunk.AsMemory(0, n), ct);
        }
    }

    static string Shown(string name) => name.Length > 80 ? name[..80] + "…" : name;
}
