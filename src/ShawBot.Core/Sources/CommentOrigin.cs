using System.Globalization;
using ShawBot.Core.Domain;

namespace ShawBot.Core.Sources;

/// <summary>The platforms a comment can come from; each has one <see cref="Ports.IReplyTarget"/>.</summary>
public enum SourcePlatform
{
    YouTube,
    Discord,
}

/// <summary>
/// Where a comment came from. The comment id is platform-qualified, so the origin is read off the stored
/// <see cref="Comment"/> itself and every stage agrees on it without another lookup:
/// YouTube ids are YouTube's own (no ':'), Discord ids are <c>discord:{guild}:{channel}:{message}</c>.
/// </summary>
/// <param name="ServerId">Discord guild id; empty for YouTube.</param>
/// <param name="ChannelId">Discord channel or thread id; the video id for YouTube.</param>
/// <param name="MessageId">Discord message id; the comment thread id for YouTube.</param>
public sealed record CommentOrigin(SourcePlatform Platform, string ServerId, string ChannelId, string MessageId)
{
    private const string DiscordPrefix = "discord:";

    /// <summary>The stored comment id of a Discord message.</summary>
    public static string DiscordCommentId(ulong guildId, ulong channelId, ulong messageId) =>
        string.Create(CultureInfo.InvariantCulture, $"{DiscordPrefix}{guildId}:{channelId}:{messageId}");

    /// <summary>The server and channel of a Discord comment id; null for any other id (YouTube's, or a malformed one).</summary>
    public static (ulong Guild, ulong Channel)? DiscordPlaceOf(string commentId)
    {
        ArgumentNullException.ThrowIfNull(commentId);
        if (!commentId.StartsWith(DiscordPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = commentId[DiscordPrefix.Length..].Split(':');
        return parts.Length == 3
            && ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var guild)
            && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var channel)
            ? (guild, channel)
            : null;
    }

    public static CommentOrigin Of(Comment comment)
    {
        ArgumentNullException.ThrowIfNull(comment);
        var id = comment.CommentId;
        if (!id.StartsWith(DiscordPrefix, StringComparison.Ordinal))
        {
            return new CommentOrigin(SourcePlatform.YouTube, "", comment.VideoId, comment.ThreadId);
        }

        var parts = id[DiscordPrefix.Length..].Split(':');
        if (parts.Length != 3 || parts.Any(p => !ulong.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            throw new FormatException($"Comment id '{id}' is not discord:{{guild}}:{{channel}}:{{message}}.");
        }

        return new CommentOrigin(SourcePlatform.Discord, parts[0], parts[1], parts[2]);
    }

    public ulong DiscordChannelId => ulong.Parse(ChannelId, CultureInfo.InvariantCulture);

    public ulong DiscordMessageId => ulong.Parse(MessageId, CultureInfo.InvariantCulture);

    /// <summary>"YouTube" or "Discord", as the review card and the page show it.</summary>
    public string PlatformName => Platform == SourcePlatform.YouTube ? "YouTube" : "Discord";

    /// <summary>The comment on its platform: the video with the comment highlighted, or the Discord message.</summary>
    public string Url(Comment comment)
    {
        ArgumentNullException.ThrowIfNull(comment);
        return Platform == SourcePlatform.Discord
            ? $"https://discord.com/channels/{ServerId}/{ChannelId}/{MessageId}"
            : $"https://www.youtube.com/watch?v={Uri.EscapeDataString(comment.VideoId)}&lc={Uri.EscapeDataString(comment.CommentId)}";
    }

    /// <summary>The place within the platform: the video's title, or "server › #channel" (stored as the comment's video title).</summary>
    public static string Place(Comment comment)
    {
        ArgumentNullException.ThrowIfNull(comment);
        return comment.VideoTitle ?? (Of(comment).Platform == SourcePlatform.Discord ? $"channel {comment.VideoId}" : $"Video {comment.VideoId}");
    }
}
