using System.Globalization;
using ShawBot.Core.Ports;
using static ShawBot.Infrastructure.Store.SqliteDb;

namespace ShawBot.Infrastructure.Store;

// The live-adapter pointers (migration 6): one row per voice, its sequence bumped by each promotion in one statement.
public sealed partial class SqliteCommentStore : ILiveAdapterPointers
{
    public async Task<LiveAdapterPointer> PromoteAsync(string sourceKey, string? version, string? path, string promotedBy, string reason, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sourceKey);
        await MigrateAsync().ConfigureAwait(false);
        var sequence = await _db.InTransactionAsync(
            async (connection, tx) =>
            {
                using var command = Command(connection, tx, """
                    INSERT INTO live_adapters (source_key, version, path, promotion_seq, promoted_by, reason, promoted_at)
                    VALUES ($key, $version, $path, 1, $by, $reason, $at)
                    ON CONFLICT (source_key) DO UPDATE SET version = excluded.version, path = excluded.path, promotion_seq = live_adapters.promotion_seq + 1,
                        promoted_by = excluded.promoted_by, reason = excluded.reason, promoted_at = excluded.promoted_at
                    RETURNING promotion_seq;
                    """, ("$key", sourceKey), ("$version", version), ("$path", path), ("$by", promotedBy), ("$reason", reason), ("$at", Time(at)));
                return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            },
            cancellationToken).ConfigureAwait(false);
        return new LiveAdapterPointer(sourceKey, version, path, sequence, promotedBy, reason, ParseTime(Time(at)));
    }

    public async Task<IReadOnlyList<LiveAdapterPointer>> ListLiveAdaptersAsync(CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        return await _db.ReadAsync(
            async connection =>
            {
                using var command = Command(connection, null, "SELECT source_key, version, path, promotion_seq, promoted_by, reason, promoted_at FROM live_adapters ORDER BY source_key;");
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var pointers = new List<LiveAdapterPointer>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    pointers.Add(new LiveAdapterPointer(
                        reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                        reader.GetInt64(3), reader.GetString(4), reader.GetString(5), ParseTime(reader.GetString(6))));
                }

                return (IReadOnlyList<LiveAdapterPointer>)pointers;
            },
            cancellationToken).ConfigureAwait(false);
    }
}
