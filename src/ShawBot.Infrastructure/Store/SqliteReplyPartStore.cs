using Microsoft.Extensions.Options;
using ShawBot.Core.Ports;
using static ShawBot.Infrastructure.Store.SqliteDb;

namespace ShawBot.Infrastructure.Store;

/// <summary><see cref="IReplyPartStore"/> on the same SQLite file as <see cref="SqliteCommentStore"/> (its migrations).</summary>
public sealed class SqliteReplyPartStore : IReplyPartStore
{
    private readonly SqliteDb _db;
    private readonly SqliteCommentStore _comments;

    public SqliteReplyPartStore(IOptions<StoreOptions> options, SqliteCommentStore comments)
    {
        ArgumentNullException.ThrowIfNull(options);
        _db = new SqliteDb(options.Value.DatabasePath);
        _comments = comments;
    }

    public async Task MarkAttemptAsync(string commentId, int part, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await _comments.MigrateAsync().ConfigureAwait(false);
        await _db.InTransactionAsync(
            (connection, tx) => Exec(connection, tx, """
                INSERT INTO reply_parts (comment_id, part, attempted_at) VALUES ($id, $part, $at)
                ON CONFLICT (comment_id, part) DO UPDATE SET attempted_at = excluded.attempted_at WHERE message_id IS NULL;
                """, cancellationToken, ("$id", commentId), ("$part", part), ("$at", Time(at))),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task RecordSentAsync(string commentId, int part, string messageId, DateTimeOffset sentAt, CancellationToken cancellationToken)
    {
        await _comments.MigrateAsync().ConfigureAwait(false);
        await _db.InTransactionAsync(
            (connection, tx) => Exec(connection, tx, """
                INSERT INTO reply_parts (comment_id, part, attempted_at, message_id, sent_at) VALUES ($id, $part, $at, $message, $at)
                ON CONFLICT (comment_id, part) DO UPDATE SET message_id = excluded.message_id, sent_at = excluded.sent_at WHERE message_id IS NULL;
                """, cancellationToken, ("$id", commentId), ("$part", part), ("$message", messageId), ("$at", Time(sentAt))),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ReplyPart>> ListPartsAsync(string commentId, CancellationToken cancellationToken)
    {
        await _comments.MigrateAsync().ConfigureAwait(false);
        return await _db.ReadAsync(
            async connection =>
            {
                using var command = Command(connection, null,
                    "SELECT part, attempted_at, message_id, sent_at FROM reply_parts WHERE comment_id = $id ORDER BY part;", ("$id", commentId));
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var parts = new List<ReplyPart>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    parts.Add(new ReplyPart(
                        commentId, reader.GetInt32(0), ParseTime(reader.GetString(1)),
                        reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : ParseTime(reader.GetString(3))));
                }

                return (IReadOnlyList<ReplyPart>)parts;
            },
            cancellationToken).ConfigureAwait(false);
    }
}
