using ShawBot.Core.Domain;
using ShawBot.Core.Ports;
using static ShawBot.Infrastructure.Store.SqliteDb;
using static ShawBot.Infrastructure.Store.StoreColumns;

namespace ShawBot.Infrastructure.Store;

/// <summary>
/// <see cref="IWorkLeases"/> on SQLite: every claim is a conditional UPDATE inside BEGIN IMMEDIATE (one writer at a
/// time), so "expired or ours" is checked and taken in one step. Times are the fixed-width UTC text of <see cref="SqliteDb.Time"/>.
/// </summary>
public sealed partial class SqliteCommentStore
{
    public string Owner => _leaseTerms.Owner;

    public TimeSpan LeaseDuration => _leaseTerms.Duration;

    private string LeaseUntil() => Time(_time.GetUtcNow() + LeaseDuration);

    public async Task<bool> RenewLeaseAsync(string commentId, CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        return await _db.InTransactionAsync(
            async (connection, tx) => await Exec(connection, tx, """
                UPDATE comments SET lease_until = $until
                WHERE comment_id = $id AND claimed_by = $owner AND state IN ('Drafting', 'Posting');
                """, cancellationToken, ("$id", commentId), ("$owner", Owner), ("$until", LeaseUntil())).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> ReleaseExpiredDraftingAsync(CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        return await _db.InTransactionAsync(
            (connection, tx) => Exec(connection, tx, """
                UPDATE comments SET state = 'New', claimed_by = NULL, lease_until = NULL, state_changed_at = $now
                WHERE state = 'Drafting' AND (lease_until IS NULL OR lease_until < $now OR claimed_by = $owner);
                """, cancellationToken, ("$now", Time(_time.GetUtcNow())), ("$owner", Owner)),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<TrackedComment>> ClaimPostingAsync(int limit, CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        var until = LeaseUntil();
        return await _db.InTransactionAsync(
            async (connection, tx) =>
            {
                await Exec(connection, tx, """
                    UPDATE comments SET claimed_by = $owner, lease_until = $until
                    WHERE comment_id IN (SELECT comment_id FROM comments
                                         WHERE state = 'Posting' AND (lease_until IS NULL OR lease_until < $now OR claimed_by = $owner)
                                         ORDER BY published_at, comment_id LIMIT $limit);
                    """, cancellationToken, ("$owner", Owner), ("$until", until), ("$now", Time(_time.GetUtcNow())), ("$limit", limit)).ConfigureAwait(false);
                return await QueryComments(connection, tx, $"""
                    SELECT {CommentColumns} FROM comments c WHERE c.state = 'Posting' AND c.claimed_by = $owner AND c.lease_until = $until
                    ORDER BY c.published_at, c.comment_id;
                    """, cancellationToken, ("$owner", Owner), ("$until", until)).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }
}
