using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using ShawBot.Sandbox.Discord;

namespace ShawBot.Sandbox.Tests.Discord;

/// <summary>The Discord stand-in checked with raw HTTP and WebSocket calls (no ShawBot client involved).</summary>
public sealed class DiscordSandboxTests
{
    private static HttpClient Client(DiscordSandbox sandbox, string? token = null)
    {
        var http = new HttpClient { BaseAddress = sandbox.ApiBaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bot", token ?? sandbox.Options.Token);
        return http;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Rest_RequiresTheBotToken()
    {
        await using var sandbox = await DiscordSandbox.StartAsync();
        using var wrong = Client(sandbox, "nope");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("gateway/bot")).StatusCode);
        using var right = Client(sandbox);
        var info = JsonNode.Parse(await right.GetStringAsync("gateway/bot"))!;
        Assert.Equal(sandbox.GatewayUrl.ToString().TrimEnd('/'), info["url"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rest_AnnouncesBucketHeaders_And429sWhenABucketIsOverrun()
    {
        await using var sandbox = await DiscordSandbox.StartAsync();
        sandbox.RateLimits.SetBucket("POST /channels/{channel_id}/messages", 2, TimeSpan.FromSeconds(5));
        using var http = Client(sandbox);
        var first = await http.PostAsync("channels/1/messages", Json("{\"content\":\"a\"}"));
        Assert.Equal("2", first.Headers.GetValues("X-RateLimit-Limit").Single());
        Assert.Equal("1", first.Headers.GetValues("X-RateLimit-Remaining").Single());
        Assert.StartsWith("b", first.Headers.GetValues("X-RateLimit-Bucket").Single());
        await http.PostAsync("channels/1/messages", Json("{\"content\":\"b\"}"));
        var third = await http.PostAsync("channels/1/messages", Json("{\"content\":\"c\"}"));

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        var body = JsonNode.Parse(await third.Content.ReadAsStringAsync())!;
        Assert.InRange(body["retry_after"]!.GetValue<double>(), 4, 5);
        Assert.False(body["global"]!.GetValue<bool>());
        Assert.Equal(1, sandbox.RateLimits.Violations);
        Assert.Equal(["a", "b"], sandbox.Rest.MessagesIn(1).Select(m => m.Content));
        // Another channel is another bucket.
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("channels/2/messages", Json("{\"content\":\"d\"}"))).StatusCode);
    }

    [Fact]
    public async Task Rest_RejectsOverlongContentAndCustomIds_LikeDiscord()
    {
        await using var sandbox = await DiscordSandbox.StartAsync();
        using var http = Client(sandbox);
        var content = await http.PostAsync("channels/1/messages", Json($"{{\"content\":\"{new string('x', 2001)}\"}}"));
        Assert.Equal(HttpStatusCode.BadRequest, content.StatusCode);
        Assert.Equal(50035, JsonNode.Parse(await content.Content.ReadAsStringAsync())!["code"]!.GetValue<int>());
        var customId = await http.PostAsync("channels/1/messages",
            Json($"{{\"components\":[{{\"type\":1,\"components\":[{{\"type\":2,\"style\":1,\"label\":\"x\",\"custom_id\":\"{new string('c', 101)}\"}}]}}]}}"));
        Assert.Equal(HttpStatusCode.BadRequest, customId.StatusCode);
    }

    [Fact]
    public async Task Gateway_HelloIdentifyReady_ThenResumeReplaysMissedDispatches()
    {
        await using var sandbox = await DiscordSandbox.StartAsync(new DiscordSandboxOptions { HeartbeatInterval = TimeSpan.FromSeconds(30) });
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(new Uri(sandbox.GatewayUrl + "?v=10&encoding=json"), CancellationToken.None);
        var hello = await ReceiveAsync(ws);
        Assert.Equal(10, hello["op"]!.GetValue<int>());
        Assert.Equal(30_000, hello["d"]!["heartbeat_interval"]!.GetValue<double>());

        await SendAsync(ws, new JsonObject { ["op"] = 2, ["d"] = new JsonObject { ["token"] = sandbox.Options.Token, ["intents"] = 0, ["properties"] = new JsonObject() } });
        var ready = await ReceiveAsync(ws);
        Assert.Equal("READY", ready["t"]!.GetValue<string>());
        Assert.Equal(1, ready["s"]!.GetValue<long>());
        string session = ready["d"]!["session_id"]!.GetValue<string>();
        Assert.EndsWith("/gateway-resume", ready["d"]!["resume_gateway_url"]!.GetValue<string>());

        await SendAsync(ws, new JsonObject { ["op"] = 1, ["d"] = 1 });
        Assert.Equal(11, (await ReceiveAsync(ws))["op"]!.GetValue<int>());

        // Two interactions arrive; the client only "processes" the first, then the connection drops.
        var user = new SandboxUser(5, "u", 6);
        var a = sandbox.SlashCommand("shawbot", "status", user, 9);
        var first = await ReceiveAsync(ws);
        Assert.Equal(a.Id.ToString(), first["d"]!["id"]!.GetValue<string>());
        var b = sandbox.SlashCommand("shawbot", "status", user, 9);
        await ReceiveAsync(ws);
        await ws.CloseOutputAsync((WebSocketCloseStatus)4900, "resume later", CancellationToken.None);

        using var again = new ClientWebSocket();
        await again.ConnectAsync(new Uri(sandbox.GatewayUrl.ToString().Replace("/gateway", "/gateway-resume") + "?v=10&encoding=json"), CancellationToken.None);
        await ReceiveAsync(again); // Hello
        await SendAsync(again, new JsonObject { ["op"] = 6, ["d"] = new JsonObject { ["token"] = sandbox.Options.Token, ["session_id"] = session, ["seq"] = 2 } });
        var replay = await ReceiveAsync(again);
        Assert.Equal(3, replay["s"]!.GetValue<long>());
        Assert.Equal(b.Id.ToString(), replay["d"]!["id"]!.GetValue<string>());
        Assert.Equal("RESUMED", (await ReceiveAsync(again))["t"]!.GetValue<string>());

        // A resume of an unknown session is refused with op 9 d:false.
        using var bogus = new ClientWebSocket();
        await bogus.ConnectAsync(sandbox.GatewayUrl, CancellationToken.None);
        await ReceiveAsync(bogus);
        await SendAsync(bogus, new JsonObject { ["op"] = 6, ["d"] = new JsonObject { ["token"] = sandbox.Options.Token, ["session_id"] = "nope", ["seq"] = 1 } });
        var invalid = await ReceiveAsync(bogus);
        Assert.Equal(9, invalid["op"]!.GetValue<int>());
        Assert.False(invalid["d"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Gateway_WrongTokenIsClosedWith4004()
    {
        await using var sandbox = await DiscordSandbox.StartAsync();
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(sandbox.GatewayUrl, CancellationToken.None);
        await ReceiveAsync(ws);
        await SendAsync(ws, new JsonObject { ["op"] = 2, ["d"] = new JsonObject { ["token"] = "bad", ["intents"] = 0 } });
        var buffer = new byte[1024];
        var result = await ws.ReceiveAsync(buffer, new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(4004, (int)ws.CloseStatus!);
    }

    private static async Task SendAsync(WebSocket ws, JsonObject payload) =>
        await ws.SendAsync(Encoding.UTF8.GetBytes(payload.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task<JsonNode> ReceiveAsync(WebSocket ws)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var buffer = new byte[64 * 1024];
        int count = 0;
        WebSocketReceiveResult result;
        do
        {
            result = await ws.ReceiveAsync(new ArraySegment<byte>(buffer, count, buffer.Length - count), timeout.Token);
            count += result.Count;
        }
        while (!result.EndOfMessage);
        return JsonNode.Parse(buffer.AsSpan(0, count))!;
    }
}
