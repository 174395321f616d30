using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ShawBot.Cli.Demo;
using ShawBot.Tests.Support;

namespace ShawBot.Tests.Web;

/// <summary>The page's JSON API on the demo host with the stub writer and no retrain job registered.</summary>
public sealed class WebApiTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private DemoHost? _demo;
    private HttpClient? _http;

    private HttpClient Http => _http!;

    public async Task InitializeAsync()
    {
        _demo = await DemoHost.StartAsync(DemoPageBrowserTests.DemoOptions(_folder.File("state"), model: null));
        _http = new HttpClient { BaseAddress = _demo.PageUri };
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_demo is not null) await _demo.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Retrain_is_reported_as_not_configured_when_no_job_is_registered()
    {
        var status = await Http.GetFromJsonAsync<JsonElement>("api/status");
        Assert.False(status.GetProperty("retrainConfigured").GetBoolean());
        Assert.False(status.GetProperty("rollbackConfigured").GetBoolean());

        var response = await Http.PostAsJsonAsync("api/retrain", new { moderator = "me" });
        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        Assert.Equal("retraining not configured", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString());

        var adapters = await Http.GetFromJsonAsync<JsonElement>("api/adapters");
        Assert.Equal(0, adapters.GetProperty("versions").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("api/adapters/..%2F..%2Fetc/loss-curve.svg")).StatusCode);
    }

    [Fact]
    public async Task Requests_naming_a_foreign_host_are_refused_without_a_token()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/queue");
        request.Headers.Host = "attacker.example";
        Assert.Equal(HttpStatusCode.Forbidden, (await Http.SendAsync(request)).StatusCode);
        using var local = new HttpRequestMessage(HttpMethod.Get, "api/queue");
        local.Headers.Host = "localhost:" + _demo!.PageUri.Port;
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(local)).StatusCode);
    }

    [Theory]
    [InlineData("{\"kind\":\"Maybe\"}", "unknown kind 'Maybe': expected one of Approve, Edit, Reject, Regenerate")]
    [InlineData("{\"kind\":\"1\"}", "unknown kind '1': expected one of Approve, Edit, Reject, Regenerate")]
    [InlineData("{\"text\":\"hi\"}", "\"kind\" is required: one of Approve, Edit, Reject, Regenerate")]
    [InlineData("[1,2]", "body must be a JSON object {\"kind\":…}, got Array")]
    [InlineData("{\"kind\":\"Edit\",\"text\":5}", "\"text\" and \"moderator\" must be strings when given")]
    public async Task A_bad_decision_body_gets_400_with_the_reason(string body, string reason)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var response = await Http.PostAsync("api/drafts/1/decision", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("Invalid", reason), (json.GetProperty("status").GetString(), json.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task A_body_that_is_not_JSON_gets_400_saying_so()
    {
        using var content = new StringContent("kind=Approve", System.Text.Encoding.UTF8, "text/plain");
        var response = await Http.PostAsync("api/drafts/1/decision", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString();
        Assert.StartsWith("body is not JSON: 'k' is an invalid start of a value.", message);
    }

    [Fact]
    public async Task Status_reports_the_quota_spent_today_and_no_pause()
    {
        await Wait.UntilAsync(async () => (await Http.GetFromJsonAsync<JsonElement>("api/status")).GetProperty("quota").GetProperty("spentToday").GetInt32() > 0,
            TimeSpan.FromSeconds(20), "a poll charged to the quota");
        var quota = (await Http.GetFromJsonAsync<JsonElement>("api/status")).GetProperty("quota");
        Assert.Equal(1_000_000, quota.GetProperty("dailyBudget").GetInt32());
        Assert.Equal(JsonValueKind.Null, quota.GetProperty("pausedUntil").ValueKind);
    }

    [Fact]
    public async Task Decisions_are_idempotent_and_land_in_history()
    {
        var queue = await WaitForQueueAsync(3);
        long approveId = queue[0].GetProperty("draftId").GetInt64();
        long rejectId = queue[1].GetProperty("draftId").GetInt64();
        long regenerateId = queue[2].GetProperty("draftId").GetInt64();
        string approvedComment = queue[0].GetProperty("commentId").GetString()!;
        string draftText = queue[0].GetProperty("draft").GetString()!;

        var first = await Http.PostAsJsonAsync($"api/drafts/{approveId}/decision", new { kind = "Approve", moderator = "alice" });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var second = await Http.PostAsJsonAsync($"api/drafts/{approveId}/decision", new { kind = "Approve", moderator = "bob" });
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("AlreadyHandled", (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());

        var empty = await Http.PostAsJsonAsync($"api/drafts/{rejectId}/decision", new { kind = "Edit", text = "  " });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.PostAsJsonAsync($"api/drafts/{rejectId}/decision", new { kind = "Reject" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.PostAsJsonAsync($"api/drafts/{regenerateId}/regenerate", new { moderator = "carol" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PostAsJsonAsync("api/drafts/999999/decision", new { kind = "Approve" })).StatusCode);

        await Wait.UntilAsync(async () =>
        {
            var history = await Http.GetFromJsonAsync<JsonElement>("api/history");
            return history.EnumerateArray().Any(h => h.GetProperty("commentId").GetString() == approvedComment && h.GetProperty("state").GetString() == "Posted");
        }, TimeSpan.FromSeconds(20), "the approved reply posted");
        var entry = (await Http.GetFromJsonAsync<JsonElement>("api/history")).EnumerateArray().Single(h => h.GetProperty("commentId").GetString() == approvedComment);
        Assert.Equal("Approve", entry.GetProperty("decision").GetString());
        Assert.Equal("alice", entry.GetProperty("moderator").GetString());
        Assert.Equal(draftText, entry.GetProperty("finalText").GetString());
        Assert.Single(_demo!.Sandbox.OwnerReplies(), r => r.ThreadId == approvedComment);

        // The regenerated comment comes back with a new draft id.
        var regenerated = queue[2].GetProperty("commentId").GetString();
        await Wait.UntilAsync(async () => (await Http.GetFromJsonAsync<JsonElement>("api/queue")).EnumerateArray()
            .Any(q => q.GetProperty("commentId").GetString() == regenerated && q.GetProperty("draftId").GetInt64() != regenerateId),
            TimeSpan.FromSeconds(20), "a new draft for the regenerated comment");
    }

    private async Task<List<JsonElement>> WaitForQueueAsync(int count)
    {
        List<JsonElement> items = [];
        await Wait.UntilAsync(async () =>
        {
            items = [.. (await Http.GetFromJsonAsync<JsonElement>("api/queue")).EnumerateArray()];
            return items.Count >= count;
        }, TimeSpan.FromSeconds(20), $"{count} drafts in the queue");
        return items;
    }
}
