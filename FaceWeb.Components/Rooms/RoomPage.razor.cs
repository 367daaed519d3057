using System.Globalization;
using FaceWeb.Components.Services;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;

namespace FaceWeb.Components.Rooms;

/// <summary>A review room: the history as a tree, the selected node large with its parameters and its parent, pinned
/// and threaded comments, verdicts, who is here, and (for the owner) the links. Everything another member does appears
/// here without a reload; a revoked link or a deleted room ends the view at once.</summary>
public partial class RoomPage
{
    [Parameter] public string Token { get; set; } = "";

    RoomView? view;
    RoomNodeView? selected;
    IReadOnlyList<RoomLinkView> links = [];
    string name = "", comment = "", newTitle = "";
    bool confirmDelete;
    int linkDays;
    string? latent, error, lost, newLink;
    long? replyTo;
    (double X, double Y)? pin;
    bool subscribed;

    protected override async Task OnAfterRenderAsync(bool first)
    {
        if (!first) return;
        try
        {
            await using var m = await JS.InvokeAsync<IJSObjectReference>("import", "./_content/FaceWeb.Components/displayName.js");
            string stored = await m.InvokeAsync<string>("get");
            if (name.Trim() != "" || stored.Trim() == "") return;                 // typed already, or nothing remembered
            name = stored;
            await Join();
            StateHasChanged();
        }
        catch (Exception e) when (e is JSException or JSDisconnectedException or InvalidOperationException) { }
    }

    async Task Join()
    {
        if (!subscribed) { Rooms.Changed += OnChanged; subscribed = true; }
        await Try(async () =>
        {
            view = await Rooms.OpenAsync(Token, name);
            await using (var m = await JS.InvokeAsync<IJSObjectReference>("import", "./_content/FaceWeb.Components/displayName.js"))
                await m.InvokeVoidAsync("set", name.Trim());
            if (view.Nodes.Count > 0) selected = await Rooms.NodeAsync(view.Nodes[^1].Id);
            if (view.Role == RoomRole.Owner) (links, newTitle) = (await Rooms.LinksAsync(), view.Title);
        }, joining: true);
    }

    void OnChanged(RoomChange c) => _ = InvokeAsync(async () =>
    {
        if (c.Lost) { (view, selected, lost) = (null, null, "No such room: the link is wrong, revoked or expired, or the room was deleted."); StateHasChanged(); return; }
        await Try(async () =>
        {
            view = await Rooms.OpenAsync(Token, name);
            if (selected is not null && (c.NodeId is null || c.NodeId == selected.Summary.Id)) selected = await Rooms.NodeAsync(selected.Summary.Id);
            else if (selected is null && view.Nodes.Count > 0) selected = await Rooms.NodeAsync(view.Nodes[^1].Id);
        });
        StateHasChanged();
    });

    /// <summary>The nodes depth-first from the roots, each with its depth.</summary>
    IEnumerable<(RoomNodeSummary Node, int Depth)> Tree()
    {
        var children = view!.Nodes.ToLookup(n => n.ParentId);
        IEnumerable<(RoomNodeSummary, int)> Walk(long? parent, int depth) =>
            children[parent].SelectMany(n => Walk(n.Id, depth + 1).Prepend((n, depth)));
        return Walk(null, 0);
    }

    Task Select(long id) => Try(async () => { (selected, pin, replyTo) = (await Rooms.NodeAsync(id), null, null); });

    Task Post() => Try(async () =>
    {
        long id = await Rooms.PostLatentAsync(latent!, selected?.Summary.Id);
        view = await Rooms.OpenAsync(Token, name);
        selected = await Rooms.NodeAsync(id);
    });

    void Pin(MouseEventArgs e) => pin = (Math.Clamp(e.OffsetX / 512, 0, 1), Math.Clamp(e.OffsetY / 512, 0, 1));

    Task Comment() => Try(async () =>
    {
        await Rooms.CommentAsync(selected!.Summary.Id, comment, pin?.X, pin?.Y, replyTo);
        (comment, pin, replyTo) = ("", null, null);
        selected = await Rooms.NodeAsync(selected.Summary.Id);
    });

    Task Resolve(RoomCommentView c) => Try(async () =>
    {
        await Rooms.ResolveCommentAsync(c.Id, !c.Resolved);
        selected = await Rooms.NodeAsync(selected!.Summary.Id);
    });

    VerdictValue? MyVerdict => selected is not null && selected.Verdicts.TryGetValue(name.Trim(), out var v) ? v : null;

    Task Verdict(VerdictValue v) => Try(async () =>
    {
        await Rooms.VerdictAsync(selected!.Summary.Id, v);
        selected = await Rooms.NodeAsync(selected.Summary.Id);
    });

    Task Continue() => Try(async () =>
    {
        var c = await Rooms.ContinueAsync(selected!.Summary.Id);
        string url = $"edit?latent={c.Latent}";
        if (c.Global is { } g)
            url += $"&neutral={Uri.EscapeDataString(g.Neutral)}&target={Uri.EscapeDataString(g.Target)}"
                   + string.Create(CultureInfo.InvariantCulture, $"&alpha={g.Alpha:R}&beta={g.Beta:R}");
        Navigation.NavigateTo(url);
    });

    Task Rename() => Try(async () =>
    {
        await Rooms.RenameAsync(newTitle);
        view = await Rooms.OpenAsync(Token, name);
    });

    Task Delete() => Try(async () =>
    {
        await Rooms.DeleteAsync();
        (view, selected, lost) = (null, null, "The room was deleted.");
    });

    Task NewLink(RoomRole role) => Try(async () =>
    {
        newLink = Navigation.ToAbsoluteUri($"room/{await Rooms.AddLinkAsync(role, linkDays > 0 ? TimeSpan.FromDays(linkDays) : null)}").ToString();
        links = await Rooms.LinksAsync();
    });

    Task Revoke(Guid id) => Try(async () =>
    {
        await Rooms.RevokeLinkAsync(id);
        links = await Rooms.LinksAsync();
    });

    static string Label(VerdictValue v) => v switch { VerdictValue.Approve => "Approve", VerdictValue.NeedsWork => "Needs work", _ => "Reject" };
    static string Px(double? f) => ((f ?? 0) * 512).ToString("0", CultureInfo.InvariantCulture) + "px";

    async Task Try(Func<Task> work, bool joining = false)
    {
        error = null;
        try { await work(); }
        catch (ArgumentException e) when (e.Message.StartsWith("No such room", StringComparison.Ordinal)) { (view, selected, lost) = (null, null, e.Message); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { error = e.Message; if (joining) view = null; }
    }

    public void Dispose()
    {
        if (subscribed) Rooms.Changed -= OnChanged;
    }
}
