using ShawBot.Core.Domain;
using ShawBot.Core.Ports;

namespace ShawBot.Infrastructure.Tests.Store;

/// <summary>The stores beside the comment store (reply parts, screening, video catalog), on the same database as <see cref="Store"/>.</summary>
public abstract partial class CommentStoreContractTests
{
    protected abstract IReplyPartStore NewReplyPartStore();

    protected abstract IScreeningStore NewScreeningStore();

    protected abstract IVideoCatalog NewVideoCatalog();

    [Fact]
    public async Task Reply_parts_keep_the_first_sent_message_and_the_latest_attempt_before_it()
    {
        Assert.True(await Store.AddCommentAsync(MakeComment(1), CommentState.New, null, None));
        var parts = NewReplyPartStore();
        await parts.MarkAttemptAsync("c1", 0, T0, None);
        await parts.RecordSentAsync("c1", 0, "m0", T0.AddSeconds(1), None);
        await parts.MarkAttemptAsync("c1", 0, T0.AddSeconds(5), None); // sent: the attempt time stays
        await parts.RecordSentAsync("c1", 0, "m0-again", T0.AddSeconds(6), None); // sent: the first message stays
        await parts.MarkAttemptAsync("c1", 1, T0.AddSeconds(2), None);
        await parts.MarkAttemptAsync("c1", 1, T0.AddSeconds(3), None); // not sent: the later attempt counts
        await parts.RecordSentAsync("c1", 2, "m2", T0.AddSeconds(4), None); // no attempt recorded: attempted = sent

        Assert.Equal(
            new ReplyPart[]
            {
                new("c1", 0, T0, "m0", T0.AddSeconds(1)),
                new("c1", 1, T0.AddSeconds(3), null, null),
                new("c1", 2, T0.AddSeconds(4), "m2", T0.AddSeconds(4)),
            },
            await parts.ListPartsAsync("c1", None));
        Assert.Empty(await parts.ListPartsAsync("c9", None));
    }

    [Fact]
    public async Task Screening_keeps_the_latest_youtube_status_and_draft_flags_one_per_line()
    {
        var draft = await Drafted(1);
        var screening = NewScreeningStore();
        Assert.Null(await screening.GetYouTubeStatusAsync("c1", None));
        await screening.SetYouTubeStatusAsync("c1", "heldForReview", None);
        await screening.SetYouTubeStatusAsync("c1", "likelySpam", None);
        Assert.Equal("likelySpam", await screening.GetYouTubeStatusAsync("c1", None));

        Assert.Null(await screening.GetDraftFlagsAsync(draft.DraftId, None));
        await screening.SaveDraftFlagsAsync(draft.DraftId, ["language: German", "link\nin reply"], None);
        Assert.Equal(new[] { "language: German", "link in reply" }, await screening.GetDraftFlagsAsync(draft.DraftId, None));
        await screening.SaveDraftFlagsAsync(draft.DraftId, ["long comment"], None);
        Assert.Equal(new[] { "long comment" }, await screening.GetDraftFlagsAsync(draft.DraftId, None));
    }

    [Fact]
    public async Task The_video_catalog_returns_the_stored_videos_asked_for_and_saves_over_older_ones()
    {
        var videos = NewVideoCatalog();
        await videos.SaveVideosAsync([new VideoInfo("v1", "First title", "About one"), new VideoInfo("v2", "", null)], None);
        await videos.SaveVideosAsync([new VideoInfo("v1", "Renamed", null)], None);

        var found = await videos.GetVideosAsync(["v1", "v2", "v3", "v1"], None);
        Assert.Equal(
            new[] { new VideoInfo("v1", "Renamed", null), new VideoInfo("v2", "", null) },
            found.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value));
        Assert.Equal(new[] { "v1", "v2" }, found.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_comment_keeps_the_source_entry_it_was_read_from_through_review_posting_and_curation()
    {
        var labs = new Comment("c7", "c7", "vid2", "Labs video", "UCviewer", "viewer", "text 7", T0, T0) { SourceId = "labs" };
        var old = new Comment("c8", "c8", "vid1", "Video", "UCviewer", "viewer", "text 8", T0.AddMinutes(1), T0.AddMinutes(1));   // a row as stored before the column
        Assert.True(await Store.AddCommentAsync(labs, CommentState.New, null, None));
        Assert.True(await Store.AddCommentAsync(old, CommentState.New, null, None));
        Assert.Equal(labs, (await Store.GetCommentAsync("c7", None))!.Comment);
        Assert.Null((await Store.GetCommentAsync("c8", None))!.Comment.SourceId);

        Assert.True(await Store.TryBeginDraftingAsync("c7", None));
        var draft = (await Store.SaveDraftAsync("c7", new ReplyDraft("reply 7", "stub", "v0003", SamplingSettings.Greedy), T0, None))!;
        Assert.Equal("labs", Assert.Single(await Store.ListUnpublishedReviewsAsync("web", 10, None)).Comment.SourceId);   // the review card's source
        await Store.RecordDecisionAsync(draft.DraftId, DecisionKind.Approve, Moderator.Auto, "reply 7", T0, None);
        Assert.Equal("labs", (await Store.ListByStateAsync(CommentState.Approved, 10, None)).Single().Comment.SourceId); // the publisher's channel
        Assert.NotNull(await Store.TryBeginPostingAsync("c7", None));
        Assert.True(await Store.MarkPostedAsync("c7", new PublishedReply("r7", "reply 7", T0), None));
        Assert.Equal("labs", Assert.Single(await Store.ListCuratedExamplesAsync(None)).SourceId);                          // that channel's retrain
    }

    [Fact]
    public async Task A_live_adapter_pointer_grows_its_sequence_with_each_promotion_and_every_host_reads_the_same()
    {
        var pointers = (ILiveAdapterPointers)Store;
        var other = (ILiveAdapterPointers)NewStore(owner: "host-b");
        Assert.Empty(await other.ListLiveAdaptersAsync(None));

        var first = await pointers.PromoteAsync(ILiveAdapterPointers.Global, "v0001", "/adapters/v0001", "host-a", "nightly", T0, None);
        Assert.Equal(new LiveAdapterPointer("", "v0001", "/adapters/v0001", 1, "host-a", "nightly", T0), first);
        await pointers.PromoteAsync("labs", "v0004", "/labs/v0004", "host-a", "nightly (labs)", T0.AddMinutes(1), None);
        var back = await other.PromoteAsync(ILiveAdapterPointers.Global, null, null, "host-b", "rollback", T0.AddMinutes(2), None);
        Assert.Equal(2, back.Sequence);

        Assert.Equal(
            [new LiveAdapterPointer("", null, null, 2, "host-b", "rollback", T0.AddMinutes(2)), new LiveAdapterPointer("labs", "v0004", "/labs/v0004", 1, "host-a", "nightly (labs)", T0.AddMinutes(1))],
            await pointers.ListLiveAdaptersAsync(None));
    }
}
