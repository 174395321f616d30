namespace ShawBot.Core.Domain;

/// <summary>
/// Where a comment is in the reply pipeline. Stored by name, so the numeric values may change.
/// New → Drafting → AwaitingReview → Approved | Edited | Rejected → Posting → Posted | PostFailed;
/// Skipped is terminal for comments we never answer (owner's own, already answered, unusable text).
/// </summary>
public enum CommentState
{
    New,
    Drafting,
    AwaitingReview,
    Approved,
    Edited,
    Rejected,
    Posting,
    Posted,
    PostFailed,
    Skipped,
}
