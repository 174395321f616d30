using ShawBot.Infrastructure.Discord.Models;

namespace ShawBot.Infrastructure.Discord.Gateway;

/// <summary>Gateway intents (bit flags of Identify); only what ShawBot asks for.</summary>
public static class GatewayIntents
{
    /// <summary>MESSAGE_CREATE/UPDATE/DELETE in guild channels.</summary>
    public const int GuildMessages = 1 << 9;

    /// <summary>Privileged: without it message content arrives empty (switch it on in the developer portal, Bot page).</summary>
    public const int MessageContent = 1 << 15;

    /// <summary>What reading questions in a server needs.</summary>
    public const int CommunityMessages = GuildMessages | MessageContent;
}

public enum GatewayMessageKind
{
    /// <summary>READY or RESUMED: events may have been missed before it; read the channels' history.</summary>
    SessionStarted,

    /// <summary>MESSAGE_CREATE.</summary>
    MessageCreated,
}

/// <summary>One item of <see cref="DiscordGatewayClient.Messages"/>, in gateway order.</summary>
public sealed record GatewayMessageEvent(GatewayMessageKind Kind, DiscordMessage? Message, bool Resumed = false);
