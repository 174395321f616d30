using ShawBot.Core.Domain;

namespace ShawBot.Core.Ports;

/// <summary>Stored video titles and descriptions: each video is fetched from YouTube once.</summary>
public interface IVideoCatalog
{
    /// <summary>The stored videos among <paramref name="videoIds"/>, by id; unknown ids are absent.</summary>
    Task<IReadOnlyDictionary<string, VideoInfo>> GetVideosAsync(IReadOnlyCollection<string> videoIds, CancellationToken cancellationToken);

    /// <summary>Inserts or replaces the videos.</summary>
    Task SaveVideosAsync(IReadOnlyCollection<VideoInfo> videos, CancellationToken cancellationToken);
}

/// <summary>
/// videos.list: titles and descriptions of up to <see cref="MaxIdsPerCall"/> videos per call
/// (quota: <see cref="QuotaCosts.List"/> unit per call). Failures surface as <see cref="ExternalServiceException"/>.
/// </summary>
public interface IVideoSource
{
    public const int MaxIdsPerCall = 50;

    /// <summary>The videos YouTube knows among <paramref name="videoIds"/> (at most 50); deleted or private ones are absent.</summary>
    Task<IReadOnlyList<VideoInfo>> ListVideosAsync(IReadOnlyList<string> videoIds, CancellationToken cancellationToken);
}
