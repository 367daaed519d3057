using FaceWeb.Components.Services;

namespace FaceWeb.Components.Tests;

/// <summary>The room service of a page test that is not about rooms: this browser has joined none, so nothing offers to post.</summary>
class NoRooms : IRoomService
{
    public event Action<RoomChange>? Changed { add { } remove { } }
    public virtual Task<RoomTarget?> TargetAsync(CancellationToken ct = default) => Task.FromResult<RoomTarget?>(null);
    public Task<string> CreateAsync(string title, string displayName, CancellationToken ct = default) => throw new NotSupportedException();
    public Task<string> ImportAsync(Stream zip, string displayName, CancellationToken ct = default) => throw new NotSupportedException();
    public Task<RoomView> OpenAsync(string token, string displayName, CancellationToken ct = default) => throw new NotSupportedException();
    public Task<RoomNodeView> NodeAsync(long nodeId, CancellationToken ct = default) => throw new NotSupportedException();
    public Task<long> PostLatentAsync(string latentId, long? parentId, CancellationToken ct = default) => throw new NotSupportedException();
    public virtual Task<long> PostAsync(string method, NodeDraft draft, byte[] png, CancellationToken ct = default) => throw new NotSupportedException();
    public Task CommentAsync(long nodeId, string text, double? pinX = null, double? pinY = null, long? replyTo = null, CancellationToken ct = default) => throw new NotSupportedException();
    public Task ResolveCommentAsync(long commentId, bool resolved, CancellationToken ct = default) => throw new NotSupportedException();
    public Task VerdictAsync(long nodeId, VerdictValue verdict, CancellationToken ct = default) => throw new NotSupportedException();
    public Task<RoomContinuation> ContinueAsync(long nodeId, CancellationToken ct = default) => throw new NotSupportedException();
    public Task RenameAsync(string title, CancellationToken ct = default) => throw new NotSupportedException();
    public Task DeleteAsync(CancellationToken ct = default) => throw new NotSupportedException();
    public Task<IReadOnlyList<RoomLinkView>> LinksAsync(CancellationToken ct = default) => throw new NotSupportedException();
    public Task<string> AddLinkAsync(RoomRole role, TimeSpan? lifetime = null, CancellationToken ct = default) => throw new NotSupportedException();
    public Task RevokeLinkAsync(Guid linkId, CancellationToken ct = default) => throw new NotSupportedException();
}
