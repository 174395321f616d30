using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Core.Ports;
using static ShawBot.Infrastructure.Store.SqliteDb;

namespace ShawBot.Infrastructure.Store;

/// <summary><see cref="IVideoCatalog"/> on the store's SQLite file (table videos, migration 3).</summary>
public sealed class SqliteVideoCatalog(SqliteCommentStore store, IOptions<StoreOptions> options, TimeProvider time) : IVideoCatalog
{
    private readonly SqliteDb _db = new(options.Value.DatabasePath);

    public async Task<IReadOnlyDictionary<string, VideoInfo>> GetVideosAsync(IReadOnlyCollection<string> videoIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(videoIds);
        await store.MigrateAsync().ConfigureAwait(false);
        return await _db.ReadAsync(
            async connection =>
            {
                var found = new Dictionary<string, VideoInfo>(StringComparer.Ordinal);
                foreach (var id in videoIds.Distinct(StringComparer.Ordinal))
                {
                    using var command = Command(connection, null, "SELECT title, description FROM videos WHERE video_id = $id;", ("$id", id));
                    using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        found[id] = new VideoInfo(id, reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
                    }
                }

                return (IReadOnlyDictionary<string, VideoInfo>)found;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task SaveVideosAsync(IReadOnlyCollection<VideoInfo> videos, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(videos);
        await store.MigrateAsync().ConfigureAwait(false);
        var now = Time(time.GetUtcNow());
        await _db.InTransactionAsync(
            async (connection, tx) =>
            {
                foreach (var video in videos)
                {
                    await Exec(connection, tx, """
                        INSERT INTO videos (video_id, title, description, fetched_at) VALUES ($id, $title, $description, $now)
                        ON CONFLICT (video_id) DO UPDATE SET title = excluded.title, description = excluded.description, fetched_at = excluded.fetched_at;
                        """,
                        cancellationToken,
                        ("$id", video.VideoId), ("$title", video.Title), ("$description", video.Description), ("$now", now)).ConfigureAwait(false);
                }

                return 0;
            },
            cancellationToken).ConfigureAwait(false);
    }
}
