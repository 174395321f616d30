using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ShawBot.Cli.Demo;
using ShawBot.Core.Domain;
using ShawBot.Core.Ports;
using ShawBot.Tests.Support;
using ShawBot.Tests.Web;

namespace ShawBot.Tests.Demo;

public sealed class DemoResumeTests
{
    [Fact]
    public async Task Running_the_demo_again_resumes_from_the_state_folder_and_reset_starts_over()
    {
        using var folder = new TempFolder();
        var options = DemoPageBrowserTests.DemoOptions(folder.File("state"), model: null) with { InitialComments = 4, TrickleInterval = TimeSpan.FromSeconds(30) };
        string posted;
        await using (var first = await DemoHost.StartAsync(options))
        {
            using var http = new HttpClient { BaseAddress = first.PageUri };
            JsonElement item = default;
            await Wait.UntilAsync(async () =>
            {
                var queue = (await http.GetFromJsonAsync<JsonElement>("api/queue")).EnumerateArray().ToList();
                if (queue.Count < 4) return false;
                item = queue[0];
                return true;
            }, TimeSpan.FromSeconds(20), "4 drafts");
            posted = item.GetProperty("commentId").GetString()!;
            await http.PostAsJsonAsync($"api/drafts/{item.GetProperty("draftId").GetInt64()}/decision", new { kind = "Edit", text = "Resumed fine –ShawGPT" });
            await Wait.UntilAsync(() => Task.FromResult(first.Sandbox.OwnerReplies().Count == 1), TimeSpan.FromSeconds(20), "the reply posted");
        }

        await using (var second = await DemoHost.StartAsync(options))
        {
            // Same threads, same reply, nothing drafted or posted twice.
            var store = second.Services.GetRequiredService<ICommentStore>();
            await Task.Delay(1000);
            var counts = await store.CountByStateAsync(CancellationToken.None);
            Assert.Equal(4, counts.Values.Sum());
            Assert.Equal(1, counts[CommentState.Posted]);
            Assert.Equal(3, counts[CommentState.AwaitingReview]);
            var reply = Assert.Single(second.Sandbox.OwnerReplies());
            Assert.Equal(posted, reply.ThreadId);
            Assert.Equal(4, second.Sandbox.ThreadCount);
        }

        await using (var third = await DemoHost.StartAsync(options with { Reset = true }))
        {
            var store = third.Services.GetRequiredService<ICommentStore>();
            Assert.Equal(0, (await store.CountByStateAsync(CancellationToken.None))[CommentState.Posted]);
            Assert.Empty(third.Sandbox.OwnerReplies());
        }
    }
}
