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
}
