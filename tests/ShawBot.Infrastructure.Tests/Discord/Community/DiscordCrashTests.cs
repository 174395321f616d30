using System.Globalization;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Core.Sources;
using ShawBot.Infrastructure.Store;
using ShawBot.Infrastructure.Tests.Support;
using ShawBot.Sandbox.Discord;
using ShawBot.Sandbox.YouTube;
using Xunit.Abstractions;

namespace ShawBot.Infrastructure.Tests.Discord.Community;

/// <summary>
/// The service as a child process (tests/ShawBot.PipelineHost with Discord on) killed with SIGKILL after a
/// moderator approved a Discord question: once before the reply reached Discord, once after Discord stored
/// it but before the answer came back. Each restart answers the question exactly once.
/// </summary>
[Collection(DiscordTimingCollection.Name)]
public sealed class DiscordCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const ulong Review = 5555;
    private const ulong Ask = 7002;
    private static readonly SandboxUser Moderator = new(1001, "Maria");
    private static readonly SandboxUser Asker = new(2001, "Ada");
    private readonly YouTubeSandbox _youTube = new(new YouTubeSandboxOptions { DefaultVideoCount = 1 });
    private readonly TempFolder _folder = new();
    private DiscordSandbox _discord = null!;
    private SqliteCommentStore _store = null!;
    private string _database = "";

    public async Task InitializeAsync()
    {
        await _youTube.StartAsync();
        _discord = await DiscordSandbox.StartAsync(new DiscordSandboxOptions { HeartbeatInterval = TimeSpan.FromSeconds(5) });
        _discord.Rest.SetChannelName(Ask, "ask-shawbot");
        _database = _folder.File("shawbot.db");
        _store = new SqliteCommentStore(Options.Create(new StoreOptions { DatabasePath = _database }), TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await _discord.DisposeAsync();
        await _youTube.StopAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    [Fact]
    public async Task KilledAfterApproval_BeforeAndDuringPosting_EachQuestionIsAnsweredOnce()
    {
        // Kill 1: approved, the reply POST waits out an 8 s rate limit (nothing reached Discord yet; the
        // sandbox keeps the route limited for those 8 s, so the restarted child waits them out too).
        var child = await StartChildAsync();
        var first = await AskAndApproveAsync(child, "First: what does the adapter change?",
            () => _discord.RateLimits.Inject429("POST /channels/{channel_id}/messages", TimeSpan.FromSeconds(8)));
        await WaitAsync(async () => (await StateOf(first)) == CommentState.Posting, child, "first question Posting");
        await Task.Delay(300);
        Assert.Empty(_discord.Rest.RepliesTo(Ask, first.Id));
        child.Dispose();
        output.WriteLine($"kill 1: first is {await StateOf(first)}, replies {_discord.Rest.RepliesTo(Ask, first.Id).Count}");

        // Kill 2: Discord stores the reply but its answer never arrives (the process dies waiting for it).
        child = await StartChildAsync();
        await WaitAsync(async () => (await StateOf(first)) == CommentState.Posted, child, "first question Posted after the restart");
        _discord.Rest.StallCreateResponses(Ask, TimeSpan.FromSeconds(60));
        var second = await AskAndApproveAsync(child, "Second: can I roll back an adapter?");
        await DiscordSandbox.WaitUntilAsync(() => _discord.Rest.RepliesTo(Ask, second.Id).Count == 1, TimeSpan.FromSeconds(15), "second reply stored by Discord");
        await Task.Delay(300);
        Assert.Equal(CommentState.Posting, await StateOf(second)); // the outcome is unknown to the service
        child.Dispose();
        output.WriteLine($"kill 2: second is {await StateOf(second)}, replies {_discord.Rest.RepliesTo(Ask, second.Id).Count}");

        _discord.Rest.StallCreateResponses(Ask, null);
        using (var last = await StartChildAsync())
        {
            await WaitAsync(async () => (await StateOf(second)) == CommentState.Posted, last, "second question Posted after the restart");
            await Task.Delay(1000); // ten more publisher rounds: nothing more may be posted
        }

        var posted = (await _store.ListPostedRepliesAsync(CancellationToken.None)).ToDictionary(p => p.CommentId, p => p.YouTubeReplyId);
        foreach (var question in new[] { first, second })
        {
            var reply = Assert.Single(_discord.Rest.RepliesTo(Ask, question.Id));
            Assert.Equal(reply.Id.ToString(CultureInfo.InvariantCulture), posted[CommentId(question)]);
            Assert.StartsWith("Thanks Ada, glad you commented", reply.Content, StringComparison.Ordinal);
        }

        Assert.Equal(2, _discord.Rest.MessagesIn(Review).Count(m => !m.Ephemeral)); // one card per question across three processes
        Assert.Empty(_youTube.OwnerReplies());
    }

    private async Task<PipelineProcess> StartChildAsync()
    {
        int historyReads = HistoryReads();
        var child = PipelineProcess.Start(_database, _youTube.BaseUri, _youTube.ChannelId,
        [
            "--discord-api", _discord.ApiBaseUrl.ToString(), "--discord-token", _discord.Options.Token,
            "--discord-app", _discord.Options.ApplicationId.ToString(CultureInfo.InvariantCulture),
            "--discord-guild", _discord.Options.GuildId.ToString(CultureInfo.InvariantCulture),
            "--review-channel", Review.ToString(CultureInfo.InvariantCulture), "--moderator", Moderator.Id.ToString(CultureInfo.InvariantCulture),
            "--ask-channel", Ask.ToString(CultureInfo.InvariantCulture),
        ]);
        // Ready to take questions once its intake has read the channel's history after READY.
        await WaitAsync(() => Task.FromResult(HistoryReads() > historyReads), child, "the child's first history read");
        return child;
    }

    private int HistoryReads() => _discord.Rest.Log.Count(e => e.RouteTemplate == "GET /channels/{channel_id}/messages" && e.Path.Contains($"/{Ask}/", StringComparison.Ordinal));

    /// <param name="beforeApproval">Runs once the card is shown, just before the moderator clicks Approve.</param>
    private async Task<SandboxMessage> AskAndApproveAsync(PipelineProcess child, string text, Action? beforeApproval = null)
    {
        var question = _discord.PostUserMessage(Ask, Asker, text).Message;
        SandboxMessage? card = null;
        await WaitAsync(() => Task.FromResult((card = _discord.Rest.MessagesIn(Review).FirstOrDefault(m => m.EmbedText.Contains(text, StringComparison.Ordinal))) is not null),
            child, $"review card for '{text}'");
        var draftId = (await _store.GetCommentAsync(CommentId(question), CancellationToken.None))!.CurrentDraftId;
        beforeApproval?.Invoke();
        var click = _discord.ClickButton(Review, card!.Id, $"sb:approve:{draftId}", Moderator);
        await _discord.WaitForResponseAsync(click);
        return question;
    }

    private string CommentId(SandboxMessage question) => CommentOrigin.DiscordCommentId(_discord.Options.GuildId, Ask, question.Id);

    private async Task<CommentState?> StateOf(SandboxMessage question) =>
        (await _store.GetCommentAsync(CommentId(question), CancellationToken.None))?.State;

    private static async Task WaitAsync(Func<Task<bool>> condition, PipelineProcess child, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline && !child.HasExited, $"timed out waiting for {what}\n{child.LastOutput()}");
            await Task.Delay(50);
        }
    }
}
