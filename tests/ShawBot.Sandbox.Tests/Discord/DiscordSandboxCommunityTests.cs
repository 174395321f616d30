using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ShawBot.Sandbox.Discord;

namespace ShawBot.Sandbox.Tests.Discord;

/// <summary>Community messages in the sandbox: history reads, replies with message_reference, stalled responses.</summary>
public sealed class DiscordSandboxCommunityTests
{
    private const ulong Channel = 7002;
    private static readonly SandboxUser Ada = new(2001, "Ada");

    private static HttpClient Client(DiscordSandbox sandbox)
    {
        var http = new HttpClient { BaseAddress = sandbox.ApiBaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bot", sandbox.Options.Token);
        return http;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task History_after_an_id_answers_the_next_messages_newest_first()
    {
        await using var sandbox = await DiscordSandbox.StartAsync();
        var posted = Enumerable.Range(0, 5).Select(i => sandbox.PostUserMessage(Channel, Ada, $"m{i}", mentionBot: i == 0)).ToList();
        Assert.All(posted, p => Assert.False(p.Delivered)); // no gateway session: nothing is queued for later
        Assert.True(posted.Zip(posted.Skip(1)).All(p => p.First.Message.Id < p.Second.Message.Id));
        // Ids are snowflakes: their time is now.
        var made = DateTimeOffset.UnixEpoch.AddMilliseconds((long)(posted[0].Message.Id >> 22) + 1_420_070_400_000);
        Assert.InRange(DateTimeOffset.UtcNow - made, TimeSpan.Zero, TimeSpan.FromMinutes(1));

        using var http = Client(sandbox);
        var page = JsonNode.Parse(await http.GetStringAsync($"channels/{Channel}/messages?after={posted[1].Message.Id}&limit=2"))!.AsArray();
        Assert.Equal([posted[3].Message.Id.ToString(), posted[2].Message.Id.ToString()], page.Select(m => m!["id"]!.GetValue<string>()));
        Assert.Equal(["m3", "m2"], page.Select(m => m!["content"]!.GetValue<string>()));
        var first = JsonNode.Parse(await http.GetStringAsync($"channels/{Channel}/messages?after=0&limit=1"))!.AsArray().Single()!;
        Assert.Equal($"<@{sandbox.Options.ApplicationId}> m0", first["content"]!.GetValue<string>());
        Assert.Equal(("2001", sandbox.Options.GuildId.ToString()), (first["author"]!["id"]!.GetValue<string>(), first["guild_id"]!.GetValue<string>()));
        Assert.Equal(sandbox.Options.ApplicationId.ToString(), first["mentions"]![0]!["id"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync($"channels/{Channel}/messages?limit=101")).StatusCode);
    }

    [Fact]
    public async Task A_reply_must_reference_a_message_of_the_channel_and_keeps_its_allowed_mentions()
    {
        await using var sandbox = await DiscordSandbox.StartAsync();
        sandbox.Rest.SetChannelName(Channel, "ask-shawbot");
        var question = sandbox.PostUserMessage(Channel, Ada, "Why NF4?").Message;
        using var http = Client(sandbox);

        var reply = await http.PostAsync($"channels/{Channel}/messages",
            Json($$$"""{"content":"Because.","message_reference":{"message_id":"{{{question.Id}}}"},"allowed_mentions":{"parse":[],"replied_user":true}}"""));
        reply.EnsureSuccessStatusCode();
        var stored = Assert.Single(sandbox.Rest.RepliesTo(Channel, question.Id));
        Assert.Equal(("Because.", sandbox.Options.ApplicationId), (stored.Content, stored.AuthorId));
        Assert.Equal("""{"parse":[],"replied_user":true}""", stored.AllowedMentionsJson);
        Assert.Equal(19, JsonNode.Parse(await reply.Content.ReadAsStringAsync())!["type"]!.GetValue<int>());

        var unknown = await http.PostAsync("channels/7003/messages", Json($$$"""{"content":"x","message_reference":{"message_id":"{{{question.Id}}}"}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("Unknown message", await unknown.Content.ReadAsStringAsync());

        Assert.Equal("ask-shawbot", JsonNode.Parse(await http.GetStringAsync($"channels/{Channel}"))!["name"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("channels/7003")).StatusCode);
    }

    [Fact]
    public async Task A_stalled_channel_stores_the_message_before_it_answers()
    {
        await using var sandbox = await DiscordSandbox.StartAsync();
        sandbox.Rest.StallCreateResponses(Channel, TimeSpan.FromSeconds(1));
        using var http = Client(sandbox);
        var watch = Stopwatch.StartNew();
        var call = http.PostAsync($"channels/{Channel}/messages", Json("""{"content":"slow"}"""));
        await DiscordSandbox.WaitUntilAsync(() => sandbox.Rest.MessagesIn(Channel).Count == 1, TimeSpan.FromSeconds(5), "the message stored");
        Assert.False(call.IsCompleted);
        (await call).EnsureSuccessStatusCode();
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.9), $"answered after {watch.Elapsed.TotalMilliseconds:0} ms");
        sandbox.Rest.StallCreateResponses(Channel, null);
        watch.Restart();
        (await http.PostAsync($"channels/{Channel}/messages", Json("""{"content":"fast"}"""))).EnsureSuccessStatusCode();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(0.9));
    }
}
