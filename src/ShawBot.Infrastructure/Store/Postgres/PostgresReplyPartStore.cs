using ShawBot.Core.Ports;
using static ShawBot.Infrastructure.Store.Postgres.PostgresDb;

namespace ShawBot.Infrastructure.Store.Postgres;

/// <summary><see cref="IReplyPartStore"/> on <see cref="PostgresCommentStore"/>'s database (table reply_parts, migration 2).</summary>
public sealed class PostgresReplyPartStore(PostgresCommentStore store) : IReplyPartStore
{
    public Task MarkAttemptAsync(string commentId, int part, DateTimeOffset at, CancellationToken cancellationToken) =>
        store.Write(
            (connection, tx) => Exec(connection, tx, """
                INSERT INTO reply_parts (comment_id, part, attempted_at) VALUES (@id, @part, @at)
                ON CONFLICT (comment_id, part) DO UPDATE SET attempted_at = excluded.attempted_at WHERE reply_parts.message_id IS NULL;
                """, cancellationToken, ("id", commentId), ("part", part), ("at", Utc(at))),
            cancellationToken);

    public Task RecordSentAsync(string commentId, int part, string messageId, DateTimeOffset sentAt, CancellationToken cancellationToken) =>
        store.Write(
            (connection, tx) => Exec(connection, tx, """
                INSERT INTO reply_parts (comment_id, part, attempted_at, message_id, sent_at) VALUES (@id, @part, @at, @message, @at)
                ON CONFLICT (comment_id, part) DO UPDATE SET message_id = excluded.message_id, sent_at = excluded.sent_at
                WHERE reply_parts.message_id IS NULL;
                """, cancellationToken, ("id", commentId), ("part", part), ("message", messageId), ("at", Utc(sentAt))),
            cancellationToken);

    public Task<IReadOnlyList<ReplyPart>> ListPartsAsync(string commentId, CancellationToken cancellationToken) =>
        store.Read(
            async connection =>
            {
                await using var command = Command(connection, null,
                    "SELECT part, attempted_at, message_id, sent_at FROM reply_parts WHERE comment_id = @id ORDER BY part;", ("id", commentId));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var parts = new List<ReplyPart>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    parts.Add(new ReplyPart(
                        commentId, reader.GetInt32(0), reader.GetFieldValue<DateTimeOffset>(1),
                        reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3)));
                }

                return (IReadOnlyList<ReplyPart>)parts;
            },
            cancellationToken);
}
