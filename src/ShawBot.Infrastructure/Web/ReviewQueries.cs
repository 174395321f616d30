using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Core.Options;
using ShawBot.Core.Ports;
using ShawBot.Core.Sources;
using ShawBot.Core.Text;

namespace ShawBot.Infrastructure.Web;

/// <summary>A draft waiting for a moderator, as the page shows it.</summary>
public sealed record QueueEntry(
    long DraftId,
    string CommentId,
    string VideoId,
    string? VideoTitle,
    string Author,
    string Comment,
    string Draft,
    string ModelName,
    string AdapterVersion,
    DateTimeOffset CommentPublishedAt,
    DateTimeOffset DraftedAt,
    IReadOnlyList<string> Flags)
{
    /// <summary>Where the comment came from: "YouTube" or "Discord".</summary>
    public string Platform { get; init; } = "YouTube";

    /// <summary>The comment on its platform (video with the comment highlighted, or the Discord message).</summary>
    public string? Link { get; init; }

    /// <summary>The display name of the "ShawBot:Channels" entry it came from (whose voice drafted it); null when none matched.</summary>
    public string? Source { get; init; }
}

/// <summary>A decided comment: what the moderator did and, once posted, the live reply.</summary>
public sealed record HistoryEntry(
    string CommentId,
    string? VideoTitle,
    string Author,
    string Comment,
    string Draft,
    CommentState State,
    DecisionKind? Decision,
    string? Moderator,
    DateTimeOffset? DecidedAt,
    string? FinalText,
    string? YouTubeReplyId,
    DateTimeOffset? PostedAt,
    string? Reason);

/// <summary>
/// Read models for the page, built from the store's roles; a draft's flags are the ones screening
/// stored with it (<see cref="IScreeningStore"/>), else the comment's own screen.
/// </summary>
/// <param name="sources">Names each draft's source entry; null when the host has no source list.</param>
public sealed class ReviewQueries(ICommentIngest comments, IReviewStore reviews, IPublishStore posts, IOptionsMonitor<DrafterOptions> drafter, IOptions<WebOptions> web, IScreeningStore? screening = null, SourceCatalog? sources = null)
{
    private const int QueueLimit = 500;

    private static readonly CommentState[] Decided =
        [CommentState.Approved, CommentState.Edited, CommentState.Rejected, CommentState.Posting, CommentState.Posted, CommentState.PostFailed];

    /// <summary>AwaitingReview comments with their current draft, oldest comment first.</summary>
    public async Task<IReadOnlyList<QueueEntry>> QueueAsync(CancellationToken cancellationToken)
    {
        var waiting = await comments.ListByStateAsync(CommentState.AwaitingReview, QueueLimit, cancellationToken).ConfigureAwait(false);
        var result = new List<QueueEntry>(waiting.Count);
        var maxComment = drafter.CurrentValue.MaxCommentLength;
        foreach (var tracked in waiting)
        {
            if (tracked.CurrentDraftId is not { } draftId
                || await reviews.GetDraftAsync(draftId, cancellationToken).ConfigureAwait(false) is not { } draft)
            {
                continue;
            }

            var c = tracked.Comment;
            var flags = (screening is null ? null : await screening.GetDraftFlagsAsync(draft.DraftId, cancellationToken).ConfigureAwait(false))
                ?? CommentScreen.Screen(c.Text, maxComment).Flags;
            result.Add(new QueueEntry(
                draft.DraftId, c.CommentId, c.VideoId, c.VideoTitle, c.AuthorDisplayName, c.Text, draft.Text,
                draft.ModelName, draft.AdapterVersion, c.PublishedAt, draft.CreatedAt, flags)
            {
                Platform = CommentOrigin.Of(c).PlatformName,
                Link = CommentOrigin.Of(c).Url(c),
                Source = sources is { Entries.Count: > 1 } ? sources.For(c)?.DisplayName : null,   // as the review cards: only when there are several to tell apart
            });
        }

        return result;
    }

    /// <summary>Decided comments, most recent decision first, at most <see cref="WebOptions.HistoryLimit"/>.</summary>
    public async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(CancellationToken cancellationToken)
    {
        var posted = (await posts.ListPostedRepliesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(p => p.CommentId, StringComparer.Ordinal);
        var result = new List<HistoryEntry>();
        foreach (var state in Decided)
        {
            foreach (var tracked in await comments.ListByStateAsync(state, 100_000, cancellationToken).ConfigureAwait(false))
            {
                if (tracked.CurrentDraftId is not { } draftId)
                {
                    continue;
                }

                var draft = await reviews.GetDraftAsync(draftId, cancellationToken).ConfigureAwait(false);
                var decision = await reviews.GetDecisionForDraftAsync(draftId, cancellationToken).ConfigureAwait(false);
                posted.TryGetValue(tracked.Comment.CommentId, out var reply);
                var c = tracked.Comment;
                result.Add(new HistoryEntry(
                    c.CommentId, c.VideoTitle, c.AuthorDisplayName, c.Text, draft?.Text ?? "", tracked.State,
                    decision?.Kind, decision?.Moderator.Name, decision?.DecidedAt, reply?.Text ?? decision?.FinalText,
                    reply?.YouTubeReplyId, reply?.PostedAt, tracked.Reason));
            }
        }

        // Comments that screening skipped: never drafted, listed with the reason so no drop is silent.
        foreach (var tracked in await comments.ListByStateAsync(CommentState.Skipped, 100_000, cancellationToken).ConfigureAwait(false))
        {
            if (tracked.Reason?.StartsWith(Core.Screening.DraftScreening.SkipPrefix, StringComparison.Ordinal) == true)
            {
                var c = tracked.Comment;
                result.Add(new HistoryEntry(
                    c.CommentId, c.VideoTitle, c.AuthorDisplayName, c.Text, "", tracked.State,
                    null, null, tracked.StateChangedAt, null, null, null, tracked.Reason));
            }
        }

        return [.. result.OrderByDescending(h => h.DecidedAt ?? h.PostedAt ?? DateTimeOffset.MinValue).Take(web.Value.HistoryLimit)];
    }
}
