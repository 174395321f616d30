using Microsoft.Extensions.DependencyInjection;
using ShawBot.Core.Domain;
using ShawBot.Core.Pipeline;
using ShawBot.Core.Ports;
using ShawBot.Core.Sources;
using ShawBot.Infrastructure.Tests.Support;
using ShawBot.Sandbox.YouTube;

namespace ShawBot.Infrastructure.Tests.Pipeline;

/// <summary>Several YouTube channels in one process (ShawBot:Channels), each read and answered with its own token, on SQLite.</summary>
public sealed class TwoChannelTests : IAsyncLifetime
{
    private readonly YouTubeSandbox _sandbox = new(new YouTubeSandboxOptions { AccessToken = "sandbox-token-main" });
    private readonly TempFolder _folder = new();

    public Task InitializeAsync() => _sandbox.StartAsync();

    public async Task DisposeAsync()
    {
        await _sandbox.StopAsync();
        _folder.Dispose();
    }

    private async Task<PipelineHarness> StartAsync(TwoYouTubeChannels channels) =>
        await PipelineHarness.StartAsync(_sandbox, _folder.File("shawbot.db"), s =>
        {
            foreach (var (key, value) in channels.Settings)
            {
                s[key] = value;
            }
        });

    [Fact]
    public async Task Each_channel_is_polled_and_each_reply_is_posted_as_its_channel_with_its_token()
    {
        var channels = await TwoYouTubeChannels.CreateAsync(_sandbox, _folder);
        var seeds = Seeds.Make(20);
        var main = _sandbox.Seed(seeds.Take(10));
        var labs = _sandbox.Seed(seeds.Skip(10), TwoYouTubeChannels.LabsChannelId);
        // The labs channel's owner commenting on its own video is skipped as the owner's own comment; on the main channel it is a viewer.
        var ownOnLabs = _sandbox.AddComment(new SeedComment(null, null, "Shaw Labs", "pinned: new video tomorrow"), TwoYouTubeChannels.LabsChannelId, TwoYouTubeChannels.LabsChannelId);
        var labsOnMain = _sandbox.AddComment(new SeedComment(null, null, "Shaw Labs", "c99: great collab!"), TwoYouTubeChannels.LabsChannelId);
        await using var harness = await StartAsync(channels);

        await harness.WaitAsync(async h => await h.CountAsync(CommentState.Posted) == 21, TimeSpan.FromSeconds(30), "21 posted replies");
        await Task.Delay(300);

        var tokens = TwoYouTubeChannels.Tokens(_sandbox);
        var replies = _sandbox.ChannelReplies();
        Assert.Equal(21, replies.Count);
        Assert.All(replies, r => Assert.Equal((r.ChannelId, tokens[r.ChannelId]), (r.AuthorChannelId, r.PostedWith)));
        Assert.Equal(main.Append(labsOnMain).Select(c => c.ThreadId).Order(), replies.Where(r => r.ChannelId == _sandbox.ChannelId).Select(r => r.ThreadId).Order());
        Assert.Equal(labs.Select(c => c.ThreadId).Order(), replies.Where(r => r.ChannelId == TwoYouTubeChannels.LabsChannelId).Select(r => r.ThreadId).Order());

        var store = harness.Store;
        Assert.Equal((CommentState.Skipped, Poller.SkipOwnComment, TwoYouTubeChannels.LabsId),
            await StateOf(store, ownOnLabs.Id));
        Assert.Equal(TwoYouTubeChannels.MainId, (await store.GetCommentAsync(labsOnMain.Id, CancellationToken.None))!.Comment.SourceId);
        foreach (var c in labs)
        {
            Assert.Equal(TwoYouTubeChannels.LabsId, (await store.GetCommentAsync(c.Id, CancellationToken.None))!.Comment.SourceId);
        }

        // Each channel keeps its own watermark; the default one keeps the cursor name of a single-channel setup.
        Assert.NotNull(await store.GetCursorAsync(Poller.WatermarkCursor, CancellationToken.None));
        Assert.NotNull(await store.GetCursorAsync(Poller.WatermarkCursor + "." + TwoYouTubeChannels.LabsId, CancellationToken.None));
        // The curated replies carry their channel, so each channel's retrain takes its own.
        var curated = await store.ListCuratedExamplesAsync(CancellationToken.None);
        Assert.Equal(10, curated.Count(e => e.SourceId == TwoYouTubeChannels.LabsId));
        Assert.Equal(11, curated.Count(e => e.SourceId == TwoYouTubeChannels.MainId));
        // The page and the review cards tell the two channels apart by their names.
        var catalog = harness.Services.GetRequiredService<SourceCatalog>();
        Assert.Equal(TwoYouTubeChannels.LabsName, catalog.For((await store.GetCommentAsync(labs[0].Id, CancellationToken.None))!.Comment)!.DisplayName);
        Assert.Equal(TwoYouTubeChannels.MainName, catalog.For((await store.GetCommentAsync(main[0].Id, CancellationToken.None))!.Comment)!.DisplayName);
    }

    [Fact]
    public async Task After_an_unknown_outcome_the_publisher_finds_the_reply_of_the_comments_own_channel()
    {
        var channels = await TwoYouTubeChannels.CreateAsync(_sandbox, _folder);
        var labs = _sandbox.AddComment(new SeedComment(null, null, "ada", "c1: does LoRA rank matter?"), channelId: TwoYouTubeChannels.LabsChannelId);
        // The insert commits and the connection drops: the outcome is unknown, and only a look for the labs
        // channel's own reply (not the main channel's) finds it; a look as the main channel would post it twice.
        _sandbox.InjectFault(new SandboxFault(FaultKind.DropAfterCommit, FaultTarget.Insert));
        await using var harness = await StartAsync(channels);

        await harness.WaitAsync(async h => await h.CountAsync(CommentState.Posted) == 1, TimeSpan.FromSeconds(30), "the reply recorded");
        await Task.Delay(300);

        var reply = Assert.Single(_sandbox.ChannelReplies());
        Assert.Equal((labs.ThreadId, TwoYouTubeChannels.LabsChannelId, "sandbox-token-labs"), (reply.ThreadId, reply.AuthorChannelId, reply.PostedWith));
        var posted = Assert.Single(await harness.Store.ListPostedRepliesAsync(CancellationToken.None));
        Assert.Equal((labs.Id, reply.Id), (posted.CommentId, posted.YouTubeReplyId));
    }

    [Fact]
    public async Task A_comment_of_a_channel_no_longer_configured_is_never_posted_as_another_channel()
    {
        var channels = await TwoYouTubeChannels.CreateAsync(_sandbox, _folder);
        await using var harness = await StartAsync(channels);
        var store = harness.Store;
        var gone = new Comment("UgzGoneChannel01", "UgzGoneChannel01", "vid00000001", "Sandbox video 1", "UCviewer", "viewer", "c5: hello", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow)
        {
            SourceId = "retired",
        };
        var targets = harness.Services.GetRequiredService<ReplyTargets>();
        Assert.Null(targets.For(gone));                                       // no target: the publisher leaves it waiting
        Assert.NotNull(targets.For(gone with { SourceId = null }));           // a row from before the column: the default channel
        Assert.Equal(_sandbox.ChannelId, harness.Services.GetRequiredService<YouTubeChannels>().For(gone with { SourceId = null })!.ChannelId);
        Assert.True(await store.AddCommentAsync(gone, CommentState.New, null, CancellationToken.None));
        Assert.Equal("retired", (await store.GetCommentAsync(gone.CommentId, CancellationToken.None))!.Comment.SourceId);
    }

    private static async Task<(CommentState, string?, string?)> StateOf(ICommentIngest store, string id)
    {
        var tracked = (await store.GetCommentAsync(id, CancellationToken.None))!;
        return (tracked.State, tracked.Reason, tracked.Comment.SourceId);
    }
}
