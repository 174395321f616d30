using Microsoft.Extensions.Options;
using ShawBot.Core.Ports;
using static ShawBot.Infrastructure.Store.SqliteDb;

namespace ShawBot.Infrastructure.Store;

/// <summary><see cref="IScreeningStore"/> on the store's SQLite file (tables comment_youtube_status and draft_flags, migration 3).</summary>
public sealed class SqliteScreeningStore(SqliteCommentStore store, IOptions<StoreOptions> options) : IScreeningStore
{
    private readonly SqliteDb _db = new(options.Value.DatabasePath);

    public Task SetYouTubeStatusAsync(string commentId, string status, CancellationToken cancellationToken) =>
        WriteAsync(
            "INSERT INTO comment_youtube_status (comment_id, status) VALUES ($key, $value) ON CONFLICT (comment_id) DO UPDATE SET status = excluded.status;",
            commentId,
            status,
            cancellationToken);

    public async Task<string?> GetYouTubeStatusAsync(string commentId, CancellationToken cancellationToken) =>
        await ReadTextAsync("SELECT status FROM comment_youtube_status WHERE comment_id = $key;", commentId, cancellationToken).ConfigureAwait(false);

    public Task SaveDraftFlagsAsync(long draftId, IReadOnlyList<string> flags, CancellationToken cancellationToken) =>
        WriteAsync(
            "INSERT INTO draft_flags (draft_id, flags) VALUES ($key, $value) ON CONFLICT (draft_id) DO UPDATE SET flags = excluded.flags;",
            draftId,
            ScreeningFlags.Join(flags),
            cancellationToken);

    public async Task<IReadOnlyList<string>?> GetDraftFlagsAsync(long draftId, CancellationToken cancellationToken) =>
        ScreeningFlags.Split(await ReadTextAsync("SELECT flags FROM draft_flags WHERE draft_id = $key;", draftId, cancellationToken).ConfigureAwait(false));

    private async Task WriteAsync(string sql, object key, string value, CancellationToken cancellationToken)
    {
        await store.MigrateAsync().ConfigureAwait(false);
        await _db.InTransactionAsync(
            async (connection, tx) => await Exec(connection, tx, sql, cancellationToken, ("$key", key), ("$value", value)).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<string?> ReadTextAsync(string sql, object key, CancellationToken cancellationToken)
    {
        await store.MigrateAsync().ConfigureAwait(false);
        return await _db.ReadAsync(
            async connection =>
            {
                using var command = Command(connection, null, sql, ("$key", key));
                return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            },
            cancellationToken).ConfigureAwait(false);
    }
}
