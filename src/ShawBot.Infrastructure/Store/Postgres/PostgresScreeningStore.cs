using ShawBot.Core.Ports;
using static ShawBot.Infrastructure.Store.Postgres.PostgresDb;

namespace ShawBot.Infrastructure.Store.Postgres;

/// <summary>
/// <see cref="IScreeningStore"/> on <see cref="PostgresCommentStore"/>'s database (tables comment_youtube_status and
/// draft_flags, migration 3); flags are stored as <see cref="SqliteScreeningStore"/> stores them (<see cref="ScreeningFlags"/>).
/// </summary>
public sealed class PostgresScreeningStore(PostgresCommentStore store) : IScreeningStore
{
    public Task SetYouTubeStatusAsync(string commentId, string status, CancellationToken cancellationToken) =>
        WriteAsync(
            "INSERT INTO comment_youtube_status (comment_id, status) VALUES (@key, @value) ON CONFLICT (comment_id) DO UPDATE SET status = excluded.status;",
            commentId, status, cancellationToken);

    public Task<string?> GetYouTubeStatusAsync(string commentId, CancellationToken cancellationToken) =>
        ReadTextAsync("SELECT status FROM comment_youtube_status WHERE comment_id = @key;", commentId, cancellationToken);

    public Task SaveDraftFlagsAsync(long draftId, IReadOnlyList<string> flags, CancellationToken cancellationToken) =>
        WriteAsync(
            "INSERT INTO draft_flags (draft_id, flags) VALUES (@key, @value) ON CONFLICT (draft_id) DO UPDATE SET flags = excluded.flags;",
            draftId, ScreeningFlags.Join(flags), cancellationToken);

    public async Task<IReadOnlyList<string>?> GetDraftFlagsAsync(long draftId, CancellationToken cancellationToken) =>
        ScreeningFlags.Split(await ReadTextAsync("SELECT flags FROM draft_flags WHERE draft_id = @key;", draftId, cancellationToken).ConfigureAwait(false));

    private Task WriteAsync(string sql, object key, string value, CancellationToken cancellationToken) =>
        store.Write((connection, tx) => Exec(connection, tx, sql, cancellationToken, ("key", key), ("value", value)), cancellationToken);

    private Task<string?> ReadTextAsync(string sql, object key, CancellationToken cancellationToken) =>
        store.Read(
            async connection =>
            {
                await using var command = Command(connection, null, sql, ("key", key));
                return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            },
            cancellationToken);
}
