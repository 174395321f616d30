using ShawBot.Core.Domain;
using ShawBot.Core.Ports;

namespace ShawBot.Infrastructure.YouTube;

/// <summary>videos.list?part=snippet for up to 50 ids: each video's title and the first lines of its description.</summary>
public sealed class YouTubeVideoSource(YouTubeClient client) : IVideoSource
{
    /// <summary>How much of a description is kept: the first lines, up to this many characters.</summary>
    public const int DescriptionLines = 3;
    public const int DescriptionChars = 300;

    public async Task<IReadOnlyList<VideoInfo>> ListVideosAsync(IReadOnlyList<string> videoIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(videoIds);
        if (videoIds.Count is 0 or > IVideoSource.MaxIdsPerCall)
        {
            throw new ArgumentOutOfRangeException(nameof(videoIds), videoIds.Count, $"videos.list takes 1 to {IVideoSource.MaxIdsPerCall} ids");
        }

        var response = await client.ExecuteAsync(
            token =>
            {
                var request = client.Service.Videos.List("snippet");
                request.Id = string.Join(',', videoIds);
                request.MaxResults = videoIds.Count;
                return request.ExecuteAsync(token);
            },
            isWrite: false,
            cancellationToken).ConfigureAwait(false);
        return [.. (response.Items ?? [])
            .Where(v => v.Id is not null && v.Snippet?.Title is not null)
            .Select(v => new VideoInfo(v.Id!, v.Snippet!.Title!, FirstLines(v.Snippet.Description)))];
    }

    /// <summary>The first <see cref="DescriptionLines"/> non-empty lines, cut at <see cref="DescriptionChars"/>; null when empty.</summary>
    public static string? FirstLines(string? description)
    {
        if (string.IsNullOrWhiteSpace(description))
        {
            return null;
        }

        var lines = description.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(DescriptionLines);
        return Core.Text.ReplyText.Truncate(string.Join('\n', lines), DescriptionChars);
    }
}
