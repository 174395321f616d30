using ShawBot.Core.Ports;
using static ShawBot.Infrastructure.Store.Postgres.PostgresDb;

namespace ShawBot.Infrastructure.Store.Postgres;

// The live-adapter pointers (migration 6): one row per voice; the upsert bumps the sequence under the row's lock,
// so two instances promoting at once get two sequences and every instance ends on the later one.
public sealed partial class PostgresCommentStore : ILiveAdapterPointers
{
    public async Task<LiveAdapterPointer> PromoteAsync(string sourceKey, string? version, string? path, string promotedBy, string reason, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sourceKey);
        var sequence = await Write(
            async (connection, tx) =>
            {
                await using var command = Command(connection, tx, """
                    INSERT INTO live_adapters (source_key, version, path, promotion_seq, promoted_by, reason, promoted_at)
                    VALUES (@key, @version, @path, 1, @by, @reason, @at)
                    ON CONFLICT (source_key) DO UPDATE SET version = excluded.version, path = excluded.path, promotion_seq = live_adapters.promotion_seq + 1,
                        promoted_by = excluded.promoted_by, reason = excluded.reason, promoted_at = excluded.promoted_at
                    RETURNING promotion_seq;
                    """, ("key", sourceKey), ("version", version), ("path", path), ("by", promotedBy), ("reason", reason), ("at", Utc(at)));
                return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            },
            cancellationToken).ConfigureAwait(false);
        return new LiveAdapterPointer(sourceKey, version, path, sequence, promotedBy, reason, Utc(at));
    }

    public Task<IReadOnlyList<LiveAdapterPointer>> ListLiveAdaptersAsync(CancellationToken cancellationToken) =>
        Read(
            c => Rows(c, "SELECT source_key, version, path, promotion_seq, promoted_by, reason, promoted_at FROM live_adapters ORDER BY source_key;",
                r => new LiveAdapterPointer(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2),
                    Convert.ToInt64(r.GetValue(3), System.Globalization.CultureInfo.InvariantCulture), r.GetString(4), r.GetString(5), Time(r, 6)),
                cancellationToken),
            cancellationToken);
}
