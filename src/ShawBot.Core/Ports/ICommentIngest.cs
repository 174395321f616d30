using ShawBot.Core.Domain;

namespace ShawBot.Core.Ports;

/// <summary>
/// The comments and their state: the poller adds them, every stage reads them and moves them
/// through the state machine. Every transition is a compare-and-set on the current state: a call
/// that finds the comment in another state changes nothing and says so.
/// </summary>
public interface ICommentIngest
{
    /// <summary>Inserts the comment in <paramref name="state"/> unless it is known; true when inserted.</summary>
    Task<bool> AddCommentAsync(Comment comment, CommentState state, string? reason, CancellationToken cancellationToken);

    Task<TrackedComment?> GetCommentAsync(string commentId, CancellationToken cancellationToken);

    /// <summary>Oldest first by publish time.</summary>
    Task<IReadOnlyList<TrackedComment>> ListByStateAsync(CommentState state, int limit, CancellationToken cancellationToken);

    Task<IReadOnlyDictionary<CommentState, int>> CountByStateAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Compare-and-set for the simple transitions (e.g. Drafting → New/Skipped, Posting → PostFailed); sets the
    /// reason. A self-transition (Posting → Posting) only records the reason.
    /// </summary>
    Task<bool> TryTransitionAsync(string commentId, CommentState from, CommentState to, string? reason, CancellationToken cancellationToken);

    /// <summary>Moves every comment in <paramref name="from"/> to <paramref name="to"/>; returns how many (restart recovery).</summary>
    Task<int> TransitionAllAsync(CommentState from, CommentState to, CancellationToken cancellationToken);
}
