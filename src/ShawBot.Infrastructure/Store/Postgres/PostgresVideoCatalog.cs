using ShawBot.Core.Domain;
using ShawBot.Core.Ports;
using static ShawBot.Infrastructure.Store.Postgres.PostgresDb;

namespace ShawBot.Infrastructure.Store.Postgres;

/// <summary><see cref="IVideoCatalog"/> on <see cref="PostgresCommentStore"/>'s database (table videos, migration 3).</summary>
public sealed class PostgresVideoCatalog(PostgresCommentStore store, TimeProvider time) : IVideoCatalog
{
    public Task<IReadOnlyDictionary<string, VideoInfo>> GetVideosAsync(IReadOnlyCollection<string> videoIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(videoIds);
        var ids = videoIds.Distinct(StringComparer.Ordinal).ToArray();
        return store.Read(
            async connection =>
            {
                await using var command = Command(connection, null, "SELECT video_id, title, description FROM videos WHERE video_id = ANY(@ids);", ("ids", ids));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var found = new Dictionary<string, VideoInfo>(StringComparer.Ordinal);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    found[reader.GetString(0)] = new VideoInfo(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
                }

                return (IReadOnlyDictionary<string, VideoInfo>)found;
            },
            cancellationToken);
    }

    public Task SaveVideosAsync(IReadOnlyCollection<VideoInfo> videos, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(videos);
        var now = Utc(time.GetUtcNow());
        return store.Write(
            async (connection, tx) =>
            {
                foreach (var video in videos)
                {
                    await Exec(connection, tx, """
                        INSERT INTO videos (video_id, title, description, fetched_at) VALUES (@id, @title, @description, @now)
                        ON CONFLICT (video_id) DO UPDATE SET title = excluded.title, description = excluded.description, fetched_at = excluded.fetched_at;
                        """,
                        cancellationToken,
                        ("id", video.VideoId), ("title", video.Title), ("description", video.Description), ("now", now)).ConfigureAwait(false);
                }

                return 0;
            },
            cancellationToken);
    }
}
