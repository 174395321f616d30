namespace ShawBot.Infrastructure.Discord.Models;

[Flags]
public enum MessageFlags
{
    None = 0,
    Ephemeral = 1 << 6,
}

/// <summary>
/// Which mentions in the content may ping; we send an empty list so drafts never ping anyone.
/// <paramref name="RepliedUser"/>: whether a reply (message_reference) pings the author it answers.
/// </summary>
public sealed record AllowedMentions(IReadOnlyList<string> Parse, bool? RepliedUser = null)
{
    public static AllowedMentions None { get; } = new(Array.Empty<string>());

    /// <summary>A reply that pings only the person it answers: no @everyone, roles or users from the text.</summary>
    public static AllowedMentions ReplyOnly { get; } = new(Array.Empty<string>(), true);
}

/// <summary>The message a message replies to (create: fail_if_not_exists keeps Discord's default, true).</summary>
public sealed record MessageReference
{
    public ulong MessageId { get; init; }
    public ulong? ChannelId { get; init; }
    public ulong? GuildId { get; init; }
}

/// <summary>Body of create/edit message, interaction callback data, follow-ups and edit-original.</summary>
public sealed record MessagePayload
{
    public string? Content { get; init; }
    public IReadOnlyList<DiscordEmbed>? Embeds { get; init; }
    public IReadOnlyList<DiscordComponent>? Components { get; init; }
    public MessageFlags? Flags { get; init; }
    public AllowedMentions? AllowedMentions { get; init; }
    /// <summary>Files sent with the message, by the index of their multipart part (files[id]).</summary>
    public IReadOnlyList<MessageAttachment>? Attachments { get; init; }
    /// <summary>Makes the message a reply to another one.</summary>
    public MessageReference? MessageReference { get; init; }

    public void Validate(string path = "message")
    {
        DiscordLimits.CheckLength(Content, DiscordLimits.MessageContent, $"{path}.content");
        DiscordEmbed.ValidateAll(Embeds, $"{path}.embeds");
        DiscordComponent.ValidateRows(Components, $"{path}.components");
    }
}

/// <summary>Names file part files[Id] of a multipart message; embeds reach it as attachment://Filename.</summary>
public sealed record MessageAttachment(int Id, string Filename, string? Description = null);

/// <summary>A file to upload with a message.</summary>
public sealed record MessageFile(string FileName, string ContentType, byte[] Content)
{
    internal void Validate(string path)
    {
        if (string.IsNullOrWhiteSpace(FileName) || FileName.IndexOfAny(['/', '\\', '"', '\r', '\n']) >= 0)
            throw new ArgumentException($"{path}.file_name '{FileName}' must be a plain file name", path);
        if (Content is null || Content.Length == 0 || Content.Length > DiscordLimits.FileBytes)
            throw new ArgumentException($"{path} '{FileName}' holds {Content?.Length ?? 0} bytes; Discord takes 1 to {DiscordLimits.FileBytes}", path);
    }
}

public sealed record DiscordUser
{
    public ulong Id { get; init; }
    public string Username { get; init; } = "";
    public string? GlobalName { get; init; }
    public bool? Bot { get; init; }

    public string DisplayName => string.IsNullOrEmpty(GlobalName) ? Username : GlobalName;
}

public sealed record DiscordMember
{
    public DiscordUser? User { get; init; }
    public string? Nick { get; init; }
    public IReadOnlyList<ulong> Roles { get; init; } = Array.Empty<ulong>();
}

public sealed record DiscordMessage
{
    public ulong Id { get; init; }
    public ulong ChannelId { get; init; }
    public string Content { get; init; } = "";
    public DiscordUser? Author { get; init; }
    public IReadOnlyList<DiscordEmbed> Embeds { get; init; } = Array.Empty<DiscordEmbed>();
    public IReadOnlyList<DiscordComponent> Components { get; init; } = Array.Empty<DiscordComponent>();
    public MessageFlags? Flags { get; init; }
    /// <summary>Set on MESSAGE_CREATE and on messages read through a guild channel.</summary>
    public ulong? GuildId { get; init; }
    public DateTimeOffset? Timestamp { get; init; }
    public DateTimeOffset? EditedTimestamp { get; init; }
    /// <summary>Set when a webhook posted the message.</summary>
    public ulong? WebhookId { get; init; }
    /// <summary>0 default, 19 reply; others are system messages (joins, pins, …).</summary>
    public int Type { get; init; }
    public IReadOnlyList<DiscordUser> Mentions { get; init; } = Array.Empty<DiscordUser>();
    public MessageReference? MessageReference { get; init; }
}

/// <summary>GET /channels/{id}: what the review card needs.</summary>
public sealed record DiscordChannel
{
    public ulong Id { get; init; }
    public string? Name { get; init; }
    public ulong? GuildId { get; init; }
    public int Type { get; init; }
}

public sealed record DiscordApplication
{
    public ulong Id { get; init; }
    public string Name { get; init; } = "";
}

public sealed record GatewayBotInfo
{
    public string Url { get; init; } = "";
    public int Shards { get; init; }
    public SessionStartLimit? SessionStartLimit { get; init; }
}

public sealed record SessionStartLimit(int Total, int Remaining, int ResetAfter, int MaxConcurrency);
