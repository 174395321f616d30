using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ShawBot.Sandbox.YouTube;

namespace ShawBot.Sandbox.Tests.YouTube;

/// <summary>The sandbox serving two channels: each lists its own threads, and comments.insert posts as the channel whose token it carries.</summary>
public sealed class YouTubeSandboxChannelsTests : IAsyncLifetime
{
    private const string Labs = "UClabsSandboxChannel0001";
    private readonly YouTubeSandbox _sandbox = new(new YouTubeSandboxOptions { AccessToken = "token-main" });
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _sandbox.AddChannel(new SandboxChannel(Labs, "Shaw Labs", "token-labs"));
        await _sandbox.StartAsync();
        _http = new HttpClient { BaseAddress = _sandbox.BaseUri, Timeout = TimeSpan.FromSeconds(10) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sandbox.StopAsync();
    }

    private async Task<JsonNode> Threads(string channelId)
    {
        using var response = await _http.GetAsync($"youtube/v3/commentThreads?part=snippet&allThreadsRelatedToChannelId={channelId}&maxResults=100");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await JsonNode.ParseAsync(await response.Content.ReadAsStreamAsync()))!;
    }

    private async Task<HttpResponseMessage> Insert(string threadId, string text, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "youtube/v3/comments?part=snippet")
        {
            Content = JsonContent.Create(new { snippet = new { parentId = threadId, textOriginal = text } }),
        };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _http.SendAsync(request);
    }

    [Fact]
    public async Task Each_channel_lists_only_the_threads_on_its_own_videos()
    {
        var main = _sandbox.Seed([new SeedComment(null, null, "ann", "on main")]);
        var labs = _sandbox.Seed([new SeedComment(null, null, "bob", "on labs 1"), new SeedComment(null, null, "cy", "on labs 2")], Labs);

        var mainThreads = await Threads(_sandbox.ChannelId);
        var labsThreads = await Threads(Labs);
        Assert.Equal([main[0].Id], mainThreads["items"]!.AsArray().Select(i => (string?)i!["id"]));
        Assert.Equal([labs[1].Id, labs[0].Id], labsThreads["items"]!.AsArray().Select(i => (string?)i!["id"]));
        Assert.Equal(Labs, (string?)labsThreads["items"]![0]!["snippet"]!["channelId"]);
        Assert.Equal((Labs, Labs), (labs[0].ChannelId, labs[1].ChannelId));
        Assert.NotEqual(main[0].VideoId, labs[0].VideoId);                      // each channel its own videos
        Assert.Empty((await Threads("UCnobody"))["items"]!.AsArray());
    }

    [Fact]
    public async Task A_reply_is_posted_as_the_channel_whose_token_the_insert_carries_and_records_the_token()
    {
        var labs = _sandbox.AddComment(new SeedComment(null, null, "bob", "on labs"), channelId: Labs);
        var main = _sandbox.AddComment(new SeedComment(null, null, "ann", "on main"));

        using (var asLabs = await Insert(labs.ThreadId, "labs answers", "token-labs"))
        {
            Assert.Equal(HttpStatusCode.OK, asLabs.StatusCode);
            var posted = (await asLabs.Content.ReadFromJsonAsync<JsonNode>())!;
            Assert.Equal((Labs, Labs), ((string?)posted["snippet"]!["authorChannelId"]!["value"], (string?)posted["snippet"]!["channelId"]));
        }

        using (var labsOnMain = await Insert(main.ThreadId, "labs on main's video", "token-labs"))
        {
            Assert.Equal(HttpStatusCode.OK, labsOnMain.StatusCode);                 // anyone may reply anywhere; the test checks the author
        }

        using (var noToken = await Insert(main.ThreadId, "unauthenticated: the first channel", null))
        {
            Assert.Equal(HttpStatusCode.OK, noToken.StatusCode);
        }

        using (var unknown = await Insert(main.ThreadId, "who?", "token-stolen"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        }

        var replies = _sandbox.ChannelReplies();
        Assert.Equal(
            [(labs.ThreadId, Labs, Labs, "token-labs"), (main.ThreadId, _sandbox.ChannelId, Labs, "token-labs"), (main.ThreadId, _sandbox.ChannelId, _sandbox.ChannelId, (string?)null)],
            replies.Select(r => (r.ThreadId, r.ChannelId, r.AuthorChannelId, r.PostedWith)));
        Assert.Equal([replies[2].Id], _sandbox.OwnerReplies().Select(r => r.Id));   // the first channel's own replies
        Assert.Equal(Labs, _sandbox.AddOwnerReply(labs.ThreadId, "by hand")!.AuthorChannelId); // by hand: the thread's channel owner
    }
}
