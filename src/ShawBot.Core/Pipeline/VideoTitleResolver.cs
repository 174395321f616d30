using Microsoft.Extensions.Logging;
using ShawBot.Core.Domain;
using ShawBot.Core.Ports;

namespace ShawBot.Core.Pipeline;

/// <summary>
/// Gives the poller each video's title: from the catalog, else with one videos.list call per 50 unknown ids
/// (1 quota unit each, charged through <see cref="QuotaGate"/>), stored so that no video is fetched twice.
/// A video YouTube does not return (private, deleted) is stored with an empty title and not asked again.
/// </summary>
public sealed partial class VideoTitleResolver(IVideoCatalog catalog, IVideoSource source, QuotaGate quota, ILogger<VideoTitleResolver> logger)
{
    public const string Operation = "videos.list";

    /// <summary>
    /// The known videos among <paramref name="videoIds"/>, fetching the unknown ones. Throws
    /// <see cref="ExternalServiceException"/> of kind QuotaExceeded (the caller pauses); other failures and a
    /// spent budget leave those titles out.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, VideoInfo>> ResolveAsync(IReadOnlyCollection<string> videoIds, CancellationToken cancellationToken)
    {
        var known = new Dictionary<string, VideoInfo>(await catalog.GetVideosAsync(videoIds, cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);
        var missing = videoIds.Where(id => id.Length > 0 && !known.ContainsKey(id)).Distinct(StringComparer.Ordinal).ToList();
        foreach (var chunk in missing.Chunk(IVideoSource.MaxIdsPerCall))
        {
            if (!await quota.TryChargeAsync(Operation, QuotaCosts.List, cancellationToken).ConfigureAwait(false))
            {
                break;
            }

            IReadOnlyList<VideoInfo> found;
            try
            {
                found = await source.ListVideosAsync(chunk, cancellationToken).ConfigureAwait(false);
            }
            catch (ExternalServiceException ex) when (ex.Kind != ExternalErrorKind.QuotaExceeded)
            {
                LogFailed(logger, ex, chunk.Length);
                break;
            }

            var byId = found.ToDictionary(v => v.VideoId, StringComparer.Ordinal);
            var rows = chunk.Select(id => byId.GetValueOrDefault(id) ?? new VideoInfo(id, "", null)).ToList();
            await catalog.SaveVideosAsync(rows, cancellationToken).ConfigureAwait(false);
            foreach (var row in rows)
            {
                known[row.VideoId] = row;
            }

            LogFetched(logger, chunk.Length, found.Count);
        }

        return known;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "videos.list: asked for {Asked} videos, YouTube returned {Found}")]
    private static partial void LogFetched(ILogger logger, int asked, int found);

    [LoggerMessage(Level = LogLevel.Warning, Message = "videos.list failed for {Count} videos; their comments are stored without titles")]
    private static partial void LogFailed(ILogger logger, Exception exception, int count);
}
