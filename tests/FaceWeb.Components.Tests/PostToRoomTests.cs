using FaceWeb.Components.Rooms;
using FaceWeb.Components.Services;
using Microsoft.Extensions.DependencyInjection;

namespace FaceWeb.Components.Tests;

public sealed class PostToRoomTests : BunitContext
{
    sealed class OneRoom(RoomRole role) : NoRooms
    {
        public readonly List<(string Method, NodeDraft Draft)> Posts = [];
        public override Task<RoomTarget?> TargetAsync(CancellationToken ct = default) => Task.FromResult<RoomTarget?>(new("<b>Review</b>", role, "tok"));
        public override Task<long> PostAsync(string method, NodeDraft draft, byte[] png, CancellationToken ct = default)
        {
            Posts.Add((method, draft));
            return Task.FromResult(40L + Posts.Count);
        }
    }

    static readonly NodeDraft Draft = new("edit", "{}", new float[4], 2, 2, null);

    [Fact]
    public void An_editor_posts_the_result_to_the_room_it_joined_and_sees_its_node()
    {
        var rooms = new OneRoom(RoomRole.Editor);
        Pages.SetUp(this, s => s.AddSingleton<IRoomService>(rooms));
        var cut = Render<PostToRoom>(p => p.Add(x => x.Method, "global direction").Add(x => x.Draft, Draft).Add(x => x.Png, [1, 2]));
        var button = cut.Find("[data-testid=post-to-room]");
        Assert.Contains("<b>Review</b>", button.TextContent);                      // the title is text, not markup
        button.Click();
        cut.WaitForAssertion(() => Assert.Equal("posted as #41", cut.Find("[data-testid=posted-to-room]").TextContent));
        Assert.Equal("room/tok", cut.Find("[data-testid=posted-to-room]").GetAttribute("href"));
        Assert.Equal([("global direction", Draft)], rooms.Posts);

        // Another result is its own post.
        cut.Render(p => p.Add(x => x.Draft, Draft with { Kind = "slider" }));
        Assert.Empty(cut.FindAll("[data-testid=posted-to-room]"));
    }

    [Fact]
    public async Task A_viewer_or_a_browser_in_no_room_is_not_offered_a_post()
    {
        Pages.SetUp(this, s => s.AddSingleton<IRoomService>(new OneRoom(RoomRole.Viewer)));
        Assert.Empty(Render<PostToRoom>(p => p.Add(x => x.Method, "m").Add(x => x.Draft, Draft).Add(x => x.Png, [1])).FindAll("button"));
        await using var none = Pages.New(_ => { });
        Assert.Empty(none.Render<PostToRoom>(p => p.Add(x => x.Method, "m").Add(x => x.Draft, Draft).Add(x => x.Png, [1])).FindAll("button"));
    }
}
