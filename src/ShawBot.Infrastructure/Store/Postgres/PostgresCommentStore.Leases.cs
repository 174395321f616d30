using ShawBot.Core.Domain;
using ShawBot.Core.Ports;
using static ShawBot.Infrastructure.Store.Postgres.PostgresDb;
using static ShawBot.Infrastructure.Store.StoreColumns;

namespace ShawBot.Infrastructure.Store.Postgres;

/// <summary>
/// <see cref="IWorkLeases"/> on PostgreSQL: claims pick their rows with <c>FOR UPDATE SKIP LOCKED</c>, so hosts
/// claiming at the same moment take disjoint rows without waiting on each other; the lease condition
/// ("expired, or ours") is in the same statement, so a live lease is never taken over.
/// </summary>
public sealed partial class PostgresCommentStore
{
    public string Owner => _leaseTerms.Owner;

    public TimeSpan LeaseDuration => _leaseTerms.Duration;

    public async Task<bool> RenewLeaseAsync(string commentId, CancellationToken cancellationToken) =>
        await Update("""
            UPDATE comments SET lease_until = @until
            WHERE comment_id = @id AND claimed_by = @owner AND state IN ('Drafting', 'Posting');
            """, cancellationToken, ("id", commentId), ("owner", Owner), ("until", Now + LeaseDuration)).ConfigureAwait(false) == 1;

    public Task<int> ReleaseExpiredDraftingAsync(CancellationToken cancellationToken) =>
        Update("""
            UPDATE comments SET state = 'New', claimed_by = NULL, lease_until = NULL, state_changed_at = @now
            WHERE comment_id IN (SELECT comment_id FROM comments
                                 WHERE state = 'Drafting' AND (lease_until IS NULL OR lease_until < @now OR claimed_by = @owner) FOR UPDATE SKIP LOCKED);
            """, cancellationToken, ("now", Now), ("owner", Owner));

    public async Task<IReadOnlyList<TrackedComment>> ClaimPostingAsync(int limit, CancellationToken cancellationToken)
    {
        var claimed = await Write(
            (connection, tx) => Rows(connection, $"""
                WITH free AS (
                    SELECT comment_id FROM comments
                    WHERE state = 'Posting' AND (lease_until IS NULL OR lease_until < @now OR claimed_by = @owner)
                    ORDER BY published_at, comment_id LIMIT @limit FOR UPDATE SKIP LOCKED)
                UPDATE comments c SET claimed_by = @owner, lease_until = @until
                FROM free WHERE c.comment_id = free.comment_id
                RETURNING {CommentColumns};
                """, ReadComment, cancellationToken, tx, ("now", Now), ("owner", Owner), ("until", Now + LeaseDuration), ("limit", limit)),
            cancellationToken).ConfigureAwait(false);
        return [.. claimed.OrderBy(c => c.Comment.PublishedAt).ThenBy(c => c.Comment.CommentId, StringComparer.Ordinal)];
    }
}
