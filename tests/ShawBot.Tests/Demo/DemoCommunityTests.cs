using System.Net.Http.Json;
using System.Text.Json;
using ShawBot.Cli.Demo;
using ShawBot.Tests.Support;
using ShawBot.Tests.Web;

namespace ShawBot.Tests.Demo;

public sealed class DemoCommunityTests
{
    [Fact]
    public async Task The_demo_asks_in_its_sandboxed_Discord_server_and_an_approved_draft_is_posted_as_a_reply()
    {
        using var folder = new TempFolder();
        // No YouTube comment for 30 s: the queue holds the Discord question only.
        var options = DemoPageBrowserTests.DemoOptions(folder.File("state"), model: null) with
        {
            InitialComments = 0, TrickleInterval = TimeSpan.FromSeconds(30), DiscordQuestions = 1,
        };
        await using var demo = await DemoHost.StartAsync(options);
        using var http = new HttpClient { BaseAddress = demo.PageUri };
        JsonElement item = default;
        await Wait.UntilAsync(async () =>
        {
            var queue = (await http.GetFromJsonAsync<JsonElement>("api/queue")).EnumerateArray().ToList();
            if (queue.Count == 0) return false;
            item = Assert.Single(queue);
            return true;
        }, TimeSpan.FromSeconds(20), "the Discord question's draft");

        var (author, question) = DemoCommunity.Questions[0];
        var asked = Assert.Single(demo.Community.Sandbox.Rest.MessagesIn(DemoCommunity.AskChannel));
        string guild = demo.Community.Sandbox.Options.GuildId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(question, item.GetProperty("comment").GetString());
        Assert.Equal(author, item.GetProperty("author").GetString());
        Assert.Equal("Discord", item.GetProperty("platform").GetString());
        Assert.Equal("ShawBot community", item.GetProperty("source").GetString());   // the entry whose voice drafted it
        Assert.Equal("ShawBot community › #ask-shawbot", item.GetProperty("videoTitle").GetString());
        Assert.Equal($"https://discord.com/channels/{guild}/{DemoCommunity.AskChannel}/{asked.Id}", item.GetProperty("link").GetString());

        var decision = await http.PostAsJsonAsync($"api/drafts/{item.GetProperty("draftId").GetInt64()}/decision", new { kind = "Edit", text = "About 8 GB in 4-bit. –ShawGPT" });
        decision.EnsureSuccessStatusCode();
        await Wait.UntilAsync(() => Task.FromResult(demo.Community.Sandbox.Rest.RepliesTo(DemoCommunity.AskChannel, asked.Id).Count == 1),
            TimeSpan.FromSeconds(20), "the reply in the Discord channel");
        Assert.Equal("About 8 GB in 4-bit. –ShawGPT", demo.Community.Sandbox.Rest.RepliesTo(DemoCommunity.AskChannel, asked.Id)[0].Content);
        Assert.Empty(demo.Sandbox.OwnerReplies());
    }
}
