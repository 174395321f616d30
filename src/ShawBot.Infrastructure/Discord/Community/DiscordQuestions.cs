using System.Globalization;
using ShawBot.Core.Domain;
using ShawBot.Core.Sources;
using ShawBot.Infrastructure.Discord.Models;

namespace ShawBot.Infrastructure.Discord.Community;

/// <summary>
/// Which Discord messages are questions for ShawBot, and how one becomes a <see cref="Comment"/>. One
/// rule for the live gateway and the history read, so both take exactly the same messages.
/// </summary>
public static class DiscordQuestions
{
    /// <summary>Why <paramref name="message"/> is not a question; null when it is one.</summary>
    public static string? Reject(DiscordMessage message, CommunityChannel? channel, ulong selfId, ulong reviewChannelId)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.ChannelId == reviewChannelId)
            return "the review channel";
        if (channel is null)
            return "not a configured channel";
        if (message.GuildId is { } guild && guild != channel.Source.GuildId)
            return "another server";
        if (message.Author is not { } author)
            return "no author";
        if (author.Id == selfId)
            return "our own message";
        if (author.Bot == true)
            return "a bot";
        if (message.WebhookId is not null)
            return "a webhook";
        if (message.Type is not (0 or 19))
            return "a system message";
        if (!channel.AskChannel && !Mentions(message, selfId))
            return "no mention of the bot";
        return Text(message.Content, selfId).Length == 0 ? "no text" : null;
    }

    public static bool Mentions(DiscordMessage message, ulong selfId)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Mentions.Any(u => u.Id == selfId)
            || message.Content.Contains(MentionOf(selfId), StringComparison.Ordinal)
            || message.Content.Contains(NickMentionOf(selfId), StringComparison.Ordinal);
    }

    /// <summary>The question without the bot's mention.</summary>
    public static string Text(string content, ulong selfId)
    {
        ArgumentNullException.ThrowIfNull(content);
        return content.Replace(NickMentionOf(selfId), "", StringComparison.Ordinal).Replace(MentionOf(selfId), "", StringComparison.Ordinal).Trim();
    }

    /// <summary>
    /// The comment as the store keeps it: the id names server, channel and message (<see cref="CommentOrigin"/>);
    /// the channel stands where a YouTube comment has its video, titled "server › #channel".
    /// </summary>
    public static Comment ToComment(DiscordMessage message, CommunityChannel channel, string channelName, ulong selfId)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(channel);
        var id = CommentOrigin.DiscordCommentId(channel.Source.GuildId, message.ChannelId, message.Id);
        var published = message.Timestamp ?? Snowflake.TimeOf(message.Id);
        return new Comment(
            id,
            id,
            message.ChannelId.ToString(CultureInfo.InvariantCulture),
            $"{channel.Source.DisplayName} › #{channelName}",
            message.Author!.Id.ToString(CultureInfo.InvariantCulture),
            message.Author.DisplayName,
            Text(message.Content, selfId),
            published,
            message.EditedTimestamp ?? published);
    }

    private static string MentionOf(ulong id) => string.Create(CultureInfo.InvariantCulture, $"<@{id}>");

    private static string NickMentionOf(ulong id) => string.Create(CultureInfo.InvariantCulture, $"<@!{id}>");
}
