using ShawBot.Core.Domain;

namespace ShawBot.Core.Ports;

/// <summary>
/// Drafts and the moderators' decisions on them: the drafter saves drafts and where each
/// moderation channel shows them; moderation records decisions; retraining reads the curated ones.
/// </summary>
public interface IReviewStore
{
    /// <summary>New → Drafting; increments the draft attempt count. False when not New.</summary>
    Task<bool> TryBeginDraftingAsync(string commentId, CancellationToken cancellationToken);

    /// <summary>Drafting → AwaitingReview with a new current draft. Null when not Drafting.</summary>
    Task<Draft?> SaveDraftAsync(string commentId, ReplyDraft draft, DateTimeOffset createdAt, CancellationToken cancellationToken);

    Task<Draft?> GetDraftAsync(long draftId, CancellationToken cancellationToken);

    /// <summary>
    /// Records a decision on the comment's current draft, if it is AwaitingReview: Approve → Approved,
    /// Edit → Edited, Reject → Rejected, Regenerate → New. One decision per draft (UNIQUE).
    /// </summary>
    Task<DecisionResult> RecordDecisionAsync(long draftId, DecisionKind kind, Moderator moderator, string? finalText, DateTimeOffset decidedAt, CancellationToken cancellationToken);

    Task<Decision?> GetDecisionForDraftAsync(long draftId, CancellationToken cancellationToken);

    /// <summary>Records that <paramref name="channel"/> shows draft <paramref name="draftId"/> of the comment as <paramref name="reference"/>.</summary>
    Task SetReviewReferenceAsync(string commentId, string channel, string reference, long draftId, CancellationToken cancellationToken);

    /// <summary>The reference set by <see cref="SetReviewReferenceAsync"/> for the comment, or null.</summary>
    Task<string?> GetReviewReferenceAsync(string commentId, string channel, CancellationToken cancellationToken);

    /// <summary>AwaitingReview comments whose current draft <paramref name="channel"/> has not shown yet (Flags empty).</summary>
    Task<IReadOnlyList<ReviewItem>> ListUnpublishedReviewsAsync(string channel, int limit, CancellationToken cancellationToken);

    Task<IReadOnlyList<CuratedExample>> ListCuratedExamplesAsync(CancellationToken cancellationToken);
}
