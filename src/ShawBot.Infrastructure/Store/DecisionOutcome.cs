using ShawBot.Core.Domain;

namespace ShawBot.Infrastructure.Store;

/// <summary>What a moderator's decision does to its comment, for every store (one rule, one place).</summary>
internal static class DecisionOutcome
{
    /// <summary>Null when the draft may be decided (it is the comment's current, undecided draft, awaiting review).</summary>
    public static DecisionResult? Refusal(CommentState state, bool currentAndUndecided) =>
        currentAndUndecided && state == CommentState.AwaitingReview
            ? null
            : new DecisionResult(DecisionStatus.AlreadyHandled, state, "the draft was already decided or superseded");

    /// <summary>Approve → Approved, Edit → Edited, Reject → Rejected, Regenerate → New.</summary>
    public static CommentState StateAfter(DecisionKind kind) => kind switch
    {
        DecisionKind.Approve => CommentState.Approved,
        DecisionKind.Edit => CommentState.Edited,
        DecisionKind.Reject => CommentState.Rejected,
        _ => CommentState.New,
    };
}
