using ShawBot.Core.Domain;

namespace ShawBot.Core.Ports;

/// <summary>
/// Durable pipeline state. Every state transition is one transaction and a compare-and-set on the
/// current state: a method that finds the comment in another state changes nothing and says so.
/// </summary>
public interface ICommentStore
{
    /// <summary>Inserts the comment in <paramref name="state"/> unless it is known; true when inserted.</summary>
    Task<bool> AddCommentAsync(Comment comment, CommentState state, string? reason, CancellationToken cancellationToken);

    Task<TrackedComment?> GetCommentAsync(string commentId, CancellationToken cancellationToken);

    /// <summary>Oldest first by publish time.</summary>
    Task<IReadOnlyList<TrackedComment>> ListByStateAsync(CommentState state, int limit, CancellationToken cancellationToken);

    Task<IReadOnlyDictionary<CommentState, int>> CountByStateAsync(CancellationToken cancellationToken);

    /// <summary>New → Drafting; increments the draft attempt count. False when not New.</summary>
    Task<bool> TryBeginDraftingAsync(string commentId, CancellationToken cancellationToken);

    /// <summary>Drafting → AwaitingReview with a new current draft. Null when not Drafting.</summary>
    Task<Draft?> SaveDraftAsync(string commentId, ReplyDraft draft, DateTimeOffset createdAt, CancellationToken cancellationToken);

    /// <summary>
    /// Compare-and-set for the simple transitions (e.g. Drafting → New/Skipped, Posting → PostFailed); sets the
    /// reason. A self-transition (Posting → Posting) only records the reason.
    /// </summary>
    Task<bool> TryTransitionAsync(string commentId, CommentState from, CommentState to, string? reason, CancellationToken cancellationToken);

    /// <summary>Moves every comment in <paramref name="from"/> to <paramref name="to"/>; returns how many (restart recovery).</summary>
    Task<int> TransitionAllAsync(CommentState from, CommentState to, CancellationToken cancellationToken);

    Task<Draft?> GetDraftAsync(long draftId, CancellationToken cancellationToken);

    /// <summary>
    /// Records a decision on the comment's current draft, if it is AwaitingReview: Approve → Approved,
    /// Edit → Edited, Reject → Rejected, Regenerate → New. One decision per draft (UNIQUE).
    /// </summary>
    Task<DecisionResult> RecordDecisionAsync(long draftId, DecisionKind kind, Moderator moderator, string? finalText, DateTimeOffset decidedAt, CancellationToken cancellationToken);

    Task<Decision?> GetDecisionForDraftAsync(long draftId, CancellationToken cancellationToken);

    /// <summary>Approved | Edited → Posting; increments the post attempt count. Returns the text to post, or null.</summary>
    Task<string?> TryBeginPostingAsync(string commentId, CancellationToken cancellationToken);

    /// <summary>The final text of the current draft's decision (for a comment already Posting).</summary>
    Task<string?> GetTextToPostAsync(string commentId, CancellationToken cancellationToken);

    /// <summary>Posting → Posted with the reply row (UNIQUE per comment and per reply id). False when not Posting.</summary>
    Task<bool> MarkPostedAsync(string commentId, PublishedReply reply, CancellationToken cancellationToken);

    /// <summary>Counts one more insert attempt on a Posting comment and keeps the last error; returns the new count.</summary>
    Task<int> RecordPostAttemptAsync(string commentId, string? lastError, CancellationToken cancellationToken);

    /// <summary>Records that <paramref name="channel"/> shows draft <paramref name="draftId"/> of the comment as <paramref name="reference"/>.</summary>
    Task SetReviewReferenceAsync(string commentId, string channel, string reference, long draftId, CancellationToken cancellationToken);

    /// <summary>The reference set by <see cref="SetReviewReferenceAsync"/> for the comment, or null.</summary>
    Task<string?> GetReviewReferenceAsync(string commentId, string channel, CancellationToken cancellationToken);

    /// <summary>AwaitingReview comments whose current draft <paramref name="channel"/> has not shown yet (Flags empty).</summary>
    Task<IReadOnlyList<ReviewItem>> ListUnpublishedReviewsAsync(string channel, int limit, CancellationToken cancellationToken);

    Task<IReadOnlyList<PostedReply>> ListPostedRepliesAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<CuratedExample>> ListCuratedExamplesAsync(CancellationToken cancellationToken);

    Task<string?> GetCursorAsync(string name, CancellationToken cancellationToken);

    Task SetCursorAsync(string name, string value, CancellationToken cancellationToken);

    /// <summary>
    /// Atomically records <paramref name="units"/> for <paramref name="quotaDay"/> if the day's total stays
    /// within <paramref name="dailyBudget"/>; false (and nothing recorded) otherwise.
    /// </summary>
    Task<bool> TryChargeQuotaAsync(DateOnly quotaDay, string operation, int units, int dailyBudget, DateTimeOffset at, CancellationToken cancellationToken);

    Task<int> GetQuotaSpentAsync(DateOnly quotaDay, CancellationToken cancellationToken);
}
