using System.Text.Json.Nodes;

namespace ShawBot.Sandbox.Discord;

/// <summary>Scripted community members: messages in a server's channels, seen by the bot over the gateway.</summary>
public sealed partial class DiscordSandbox
{
    private const int GuildMessagesIntent = 1 << 9;
    private const int MessageContentIntent = 1 << 15;

    /// <summary>
    /// <paramref name="author"/> posts <paramref name="content"/> in <paramref name="channelId"/>: the message is
    /// stored (the history has it) and dispatched as MESSAGE_CREATE when a session with the GUILD_MESSAGES
    /// intent is live; without MESSAGE_CONTENT its content arrives empty unless it mentions the bot, as on
    /// Discord. Set <paramref name="mentionBot"/> to prefix the bot's mention.
    /// </summary>
    public CommunityPost PostUserMessage(ulong channelId, SandboxUser author, string content, bool mentionBot = false, bool bot = false, ulong? webhookId = null)
    {
        ArgumentNullException.ThrowIfNull(author);
        ulong self = Options.ApplicationId;
        var text = mentionBot ? $"<@{self}> {content}" : content;
        var message = Rest.AddUserMessage(channelId, author, text, bot, webhookId, mentionBot ? [self] : []);
        bool delivered = Gateway.DispatchIfLive("MESSAGE_CREATE", GuildMessagesIntent, intents =>
        {
            var json = message.ToJson();
            json["member"] = author.ToMemberJson();
            if ((intents & MessageContentIntent) == 0 && !mentionBot)
                json["content"] = "";
            return json;
        });
        return new CommunityPost(message, delivered);
    }
}

/// <summary>A message a scripted user posted; <see cref="Delivered"/> says whether the gateway carried it.</summary>
public sealed record CommunityPost(SandboxMessage Message, bool Delivered);
