using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ShawBot.Sandbox.YouTube;

namespace ShawBot.Sandbox.Tests.YouTube;

/// <summary>The sandbox over plain HTTP: the API's JSON shapes, paging, error bodies and the admin API.</summary>
public sealed class YouTubeSandboxHttpTests : IAsyncLifetime
{
    private readonly YouTubeSandbox _sandbox = new();
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        await _sandbox.StartAsync();
        _http = new HttpClient { BaseAddress = _sandbox.BaseUri, Timeout = TimeSpan.FromSeconds(10) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sandbox.StopAsync();
    }

    private string Threads(string extra = "") =>
        $"youtube/v3/commentThreads?part=snippet,replies&allThreadsRelatedToChannelId={_sandbox.ChannelId}&order=time&textFormat=plainText{extra}";

    private async Task<JsonNode> Json(string url)
    {
        using var response = await _http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await JsonNode.ParseAsync(await response.Content.ReadAsStreamAsync()))!;
    }

    [Fact]
    public async Task Listens_on_loopback_on_the_port_it_was_given()
    {
        Assert.Equal("127.0.0.1", _sandbox.BaseUri.Host);
        Assert.NotEqual(0, _sandbox.BaseUri.Port);
        Assert.Equal("/", _sandbox.BaseUri.AbsolutePath);
    }

    [Fact]
    public async Task Comment_threads_have_the_API_shape_and_page_newest_first()
    {
        var added = _sandbox.Seed([.. Enumerable.Range(0, 5).Select(i => new SeedComment(null, null, $"a{i}", $"text {i}"))]);
        _sandbox.AddOwnerReply(added[4].ThreadId, "thanks!");

        var first = await Json(Threads("&maxResults=2"));
        Assert.Equal("youtube#commentThreadListResponse", (string?)first["kind"]);
        Assert.Equal(5, (int?)first["pageInfo"]!["totalResults"]);
        Assert.Equal(2, (int?)first["pageInfo"]!["resultsPerPage"]);
        var items = first["items"]!.AsArray();
        Assert.Equal([added[4].Id, added[3].Id], items.Select(i => (string?)i!["id"]));
        var thread = items[0]!;
        Assert.Equal("youtube#commentThread", (string?)thread["kind"]);
        Assert.Equal(1, (int?)thread["snippet"]!["totalReplyCount"]);
        Assert.True((bool?)thread["snippet"]!["canReply"]);
        var top = thread["snippet"]!["topLevelComment"]!;
        Assert.Equal("youtube#comment", (string?)top["kind"]);
        Assert.Equal("text 4", (string?)top["snippet"]!["textOriginal"]);
        Assert.Equal(added[4].AuthorChannelId, (string?)top["snippet"]!["authorChannelId"]!["value"]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", (string?)top["snippet"]!["publishedAt"]);
        Assert.Null(top["snippet"]!["parentId"]);
        var reply = thread["replies"]!["comments"]![0]!;
        Assert.Equal((_sandbox.ChannelId, added[4].ThreadId), ((string?)reply["snippet"]!["authorChannelId"]!["value"], (string?)reply["snippet"]!["parentId"]));
        Assert.Null(items[1]!["replies"]);

        var second = await Json(Threads($"&maxResults=2&pageToken={Uri.EscapeDataString((string)first["nextPageToken"]!)}"));
        var third = await Json(Threads($"&maxResults=2&pageToken={Uri.EscapeDataString((string)second["nextPageToken"]!)}"));
        Assert.Equal([added[2].Id, added[1].Id], second["items"]!.AsArray().Select(i => (string?)i!["id"]));
        Assert.Equal([added[0].Id], third["items"]!.AsArray().Select(i => (string?)i!["id"]));
        Assert.Null(third["nextPageToken"]);
    }

    [Fact]
    public async Task Paging_is_stable_when_comments_arrive_between_pages()
    {
        var added = _sandbox.Seed([.. Enumerable.Range(0, 4).Select(i => new SeedComment(null, null, "a", $"t{i}"))]);
        var first = await Json(Threads("&maxResults=2"));
        _sandbox.AddComment(new SeedComment(null, null, "late", "newest"));
        var second = await Json(Threads($"&maxResults=2&pageToken={Uri.EscapeDataString((string)first["nextPageToken"]!)}"));
        Assert.Equal([added[1].Id, added[0].Id], second["items"]!.AsArray().Select(i => (string?)i!["id"]));
    }

    [Fact]
    public async Task Insert_posts_a_reply_as_the_channel_and_comments_list_returns_it()
    {
        var comment = _sandbox.AddComment(new SeedComment("abc", "A title", "ann", "hello"));
        using var response = await _http.PostAsJsonAsync("youtube/v3/comments?part=snippet", new { snippet = new { parentId = comment.ThreadId, textOriginal = "Hi ann –ShawGPT" } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var posted = (await response.Content.ReadFromJsonAsync<JsonNode>())!;
        Assert.Equal(("youtube#comment", comment.ThreadId, "Hi ann –ShawGPT", "abc"), ((string?)posted["kind"], (string?)posted["snippet"]!["parentId"], (string?)posted["snippet"]!["textOriginal"], (string?)posted["snippet"]!["videoId"]));

        var list = await Json($"youtube/v3/comments?part=snippet&parentId={comment.ThreadId}");
        Assert.Equal("youtube#commentListResponse", (string?)list["kind"]);
        Assert.Equal((string?)posted["id"], (string?)list["items"]![0]!["id"]);
        var admin = await _http.GetFromJsonAsync<JsonArray>("admin/replies");
        Assert.Equal((string?)posted["id"], (string?)admin![0]!["id"]);
    }

    [Theory]
    [InlineData(FaultKind.ServerError, 500, "backendError")]
    [InlineData(FaultKind.ServiceUnavailable, 503, "backendError")]
    [InlineData(FaultKind.TooManyRequests, 429, "rateLimitExceeded")]
    [InlineData(FaultKind.QuotaExceeded, 403, "quotaExceeded")]
    [InlineData(FaultKind.Unauthorized, 401, "authError")]
    [InlineData(FaultKind.CommentsDisabled, 403, "commentsDisabled")]
    [InlineData(FaultKind.Forbidden, 403, "forbidden")]
    [InlineData(FaultKind.ProcessingFailure, 400, "processingFailure")]
    public async Task Faults_injected_through_the_admin_API_answer_with_the_API_error_body(FaultKind kind, int status, string reason)
    {
        using (var inject = await _http.PostAsJsonAsync("admin/faults", new { kind = kind.ToString(), target = "ListThreads", count = 1 }))
        {
            Assert.Equal(HttpStatusCode.NoContent, inject.StatusCode);
        }

        using var failed = await _http.GetAsync(Threads());
        var body = (await JsonNode.ParseAsync(await failed.Content.ReadAsStreamAsync()))!;
        Assert.Equal(status, (int)failed.StatusCode);
        Assert.Equal(status, (int?)body["error"]!["code"]);
        Assert.Equal(reason, (string?)body["error"]!["errors"]![0]!["reason"]);
        Assert.False(string.IsNullOrEmpty((string?)body["error"]!["message"]));
        using var next = await _http.GetAsync(Threads());
        Assert.Equal(HttpStatusCode.OK, next.StatusCode); // count 1: the fault is used up
    }

    [Fact]
    public async Task Dropped_connections_and_slow_responses()
    {
        _sandbox.InjectFault(new SandboxFault(FaultKind.Drop, FaultTarget.ListThreads));
        await Assert.ThrowsAsync<HttpRequestException>(() => _http.GetAsync(Threads()));

        _sandbox.InjectFault(new SandboxFault(FaultKind.Slow, FaultTarget.ListThreads, Delay: TimeSpan.FromMilliseconds(400)));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var slow = await _http.GetAsync(Threads());
        Assert.Equal(HttpStatusCode.OK, slow.StatusCode);
        Assert.True(watch.ElapsedMilliseconds >= 350);
    }

    [Fact]
    public async Task Standing_faults_last_until_cleared()
    {
        _sandbox.InjectFault(new SandboxFault(FaultKind.ServerError, FaultTarget.Any, Count: -1));
        for (var i = 0; i < 3; i++)
        {
            using var failed = await _http.GetAsync(Threads());
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }

        using (var clear = await _http.DeleteAsync("admin/faults"))
        {
            Assert.Equal(HttpStatusCode.NoContent, clear.StatusCode);
        }

        using var ok = await _http.GetAsync(Threads());
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Bad_requests_get_API_errors()
    {
        var comment = _sandbox.AddComment(new SeedComment("v9", null, "a", "b"));
        async Task<(int, string?)> Post(object body)
        {
            using var response = await _http.PostAsJsonAsync("youtube/v3/comments?part=snippet", body);
            var json = await JsonNode.ParseAsync(await response.Content.ReadAsStreamAsync());
            return ((int)response.StatusCode, (string?)json!["error"]!["errors"]![0]!["reason"]);
        }

        Assert.Equal((400, "commentTextRequired"), await Post(new { snippet = new { parentId = comment.ThreadId, textOriginal = "" } }));
        Assert.Equal((400, "commentTextTooLong"), await Post(new { snippet = new { parentId = comment.ThreadId, textOriginal = new string('x', 10_001) } }));
        Assert.Equal((404, "commentNotFound"), await Post(new { snippet = new { parentId = "nope", textOriginal = "x" } }));
        _sandbox.SetCommentsDisabled("v9", true);
        Assert.Equal((403, "commentsDisabled"), await Post(new { snippet = new { parentId = comment.ThreadId, textOriginal = "x" } }));
        using var badToken = await _http.GetAsync(Threads("&pageToken=%%%"));
        Assert.Equal(HttpStatusCode.BadRequest, badToken.StatusCode);
        using var badMax = await _http.GetAsync(Threads("&maxResults=101"));
        Assert.Equal(HttpStatusCode.BadRequest, badMax.StatusCode);
        Assert.Empty(_sandbox.OwnerReplies());
    }

    [Fact]
    public async Task Quota_runs_out_with_quotaExceeded_and_resets()
    {
        _sandbox.SetDailyQuota(2);
        using (var a = await _http.GetAsync(Threads()))
        using (var b = await _http.GetAsync(Threads()))
        using (var c = await _http.GetAsync(Threads()))
        {
            Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Forbidden), (a.StatusCode, b.StatusCode, c.StatusCode));
            Assert.Contains("quotaExceeded", await c.Content.ReadAsStringAsync());
        }

        using (var reset = await _http.PostAsync("admin/quota/reset", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        }

        using var after = await _http.GetAsync(Threads());
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Admin_adds_comments_that_the_API_then_lists()
    {
        using (var add = await _http.PostAsJsonAsync("admin/comments", new { videoId = "vidX", videoTitle = "X", author = "zed", text = "from admin" }))
        {
            Assert.Equal(HttpStatusCode.Created, add.StatusCode);
        }

        var list = await Json($"youtube/v3/commentThreads?part=snippet&videoId=vidX");
        Assert.Equal("from admin", (string?)list["items"]![0]!["snippet"]!["topLevelComment"]!["snippet"]!["textOriginal"]);
        var stats = await _http.GetFromJsonAsync<JsonObject>("admin/stats");
        Assert.Equal(1, (int?)stats!["threads"]);
    }
}
