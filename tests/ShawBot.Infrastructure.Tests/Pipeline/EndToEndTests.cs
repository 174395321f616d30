using ShawBot.Core.Domain;
using ShawBot.Core.Pipeline;
using ShawBot.Infrastructure.Tests.Support;
using ShawBot.Sandbox.YouTube;

namespace ShawBot.Infrastructure.Tests.Pipeline;

/// <summary>Poller → Drafter (stub) → auto-approve → Publisher against the sandbox, in one Generic Host.</summary>
public sealed class EndToEndTests : IAsyncLifetime
{
    private readonly YouTubeSandbox _sandbox = new();
    private readonly TempFolder _folder = new();

    public Task InitializeAsync() => _sandbox.StartAsync();

    public async Task DisposeAsync()
    {
        await _sandbox.StopAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Seeded_200_comments_over_5_videos_are_each_answered_exactly_once()
    {
        // The seed goes through the JSONL format `shawbot demo` reads.
        var seedFile = _folder.File("seed.jsonl");
        await File.WriteAllLinesAsync(seedFile, Seeds.Make(200).Select(s => System.Text.Json.JsonSerializer.Serialize(s)));
        var seeds = SeedComment.ReadJsonlFile(seedFile);
        var early = _sandbox.Seed(seeds.Take(150));
        await using var harness = await PipelineHarness.StartAsync(_sandbox, _folder.File("shawbot.db"));

        // The last 50 arrive while the service runs: the poller must page only until it meets seen comments.
        await _sandbox.TrickleAsync(seeds.Skip(150), TimeSpan.FromMilliseconds(10));
        await harness.WaitAsync(async h => await h.CountAsync(CommentState.Posted) == 200, TimeSpan.FromSeconds(60), "200 posted replies");
        await Task.Delay(500); // a few more poll/publish rounds: nothing more may be posted

        var threads = _sandbox.VideoIds();
        Assert.Equal(5, threads.Count);
        var replies = _sandbox.OwnerReplies();
        Assert.Equal(200, replies.Count);
        Assert.Equal(200, replies.Select(r => r.ThreadId).Distinct().Count());
        var store = harness.Store;
        var posted = await store.ListPostedRepliesAsync(CancellationToken.None);
        Assert.Equal(replies.Select(r => (r.ThreadId, r.Id, r.Text)).OrderBy(x => x.ThreadId), posted.Select(p => (p.CommentId, p.YouTubeReplyId, p.Text)).OrderBy(x => x.CommentId));
        foreach (var reply in replies)
        {
            var comment = (await store.GetCommentAsync(reply.ThreadId, CancellationToken.None))!.Comment;
            // The poller stored the title that videos.list gave for the comment's video, and the draft used it.
            Assert.Equal(_sandbox.VideoTitle(comment.VideoId), comment.VideoTitle);
            Assert.Equal(StubReplyWriter.ExpectedReply(new ReplyRequest(comment.CommentId, comment.Text, comment.AuthorDisplayName, comment.VideoTitle)), reply.Text);
        }

        Assert.Equal(200, (await store.ListCuratedExamplesAsync(CancellationToken.None)).Count(e => !e.Edited && e.Moderator == Moderator.Auto));
        Assert.Equal(5, replies.Select(r => r.VideoId).Distinct().Count());
        Assert.Equal(early[0].Id, (await store.ListByStateAsync(CommentState.Posted, 1, CancellationToken.None))[0].Comment.CommentId);
    }

    [Fact]
    public async Task Owner_comments_and_threads_the_owner_answered_are_skipped()
    {
        var own = _sandbox.AddComment(new SeedComment(null, null, _sandbox.OwnerName, "pinned: links below"), _sandbox.ChannelId);
        var answered = _sandbox.AddComment(new SeedComment(null, null, "ann", "question"));
        _sandbox.AddOwnerReply(answered.ThreadId, "hand-written answer");
        var open = _sandbox.AddComment(new SeedComment(null, null, "bob", "another question"));
        var empty = _sandbox.AddComment(new SeedComment(null, null, "eve", " \u0007\u0000 "));
        await using var harness = await PipelineHarness.StartAsync(_sandbox, _folder.File("shawbot.db"));

        await harness.WaitAsync(async h => await h.CountAsync(CommentState.Posted) == 1 && await h.CountAsync(CommentState.Skipped) == 3, TimeSpan.FromSeconds(20), "1 posted, 3 skipped");

        var store = harness.Store;
        Assert.Equal(Poller.SkipOwnComment, (await store.GetCommentAsync(own.Id, CancellationToken.None))!.Reason);
        Assert.Equal(Poller.SkipOwnerReplied, (await store.GetCommentAsync(answered.Id, CancellationToken.None))!.Reason);
        Assert.Equal("no printable text", (await store.GetCommentAsync(empty.Id, CancellationToken.None))!.Reason);
        Assert.Equal([open.Id], _sandbox.OwnerReplies().Where(r => r.Text != "hand-written answer").Select(r => r.ThreadId));
    }
}
