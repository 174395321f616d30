using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ShawBot.Sandbox.Discord;

/// <summary>Community channels: messages posted by users, channel history, replies (message_reference).</summary>
public sealed partial class SandboxRest
{
    private static readonly DateTimeOffset DiscordEpoch = new(2015, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly Dictionary<ulong, string> _channelNames = new();
    private readonly Dictionary<ulong, TimeSpan> _stalls = new();

    /// <summary>
    /// While set, a message created in the channel is stored at once but its response waits
    /// <paramref name="delay"/>: the caller's outcome is unknown (a timeout or a crash lands here). Null clears it.
    /// </summary>
    public void StallCreateResponses(ulong channelId, TimeSpan? delay)
    {
        lock (_lock)
        {
            if (delay is { } d)
                _stalls[channelId] = d;
            else
                _stalls.Remove(channelId);
        }
    }

    internal TimeSpan? StallOf(ulong channelId)
    {
        lock (_lock)
            return _stalls.TryGetValue(channelId, out var d) ? d : null;
    }

    /// <summary>Names a channel (GET /channels/{id} answers 404 Unknown Channel for others).</summary>
    public void SetChannelName(ulong channelId, string name)
    {
        lock (_lock)
            _channelNames[channelId] = name;
    }

    /// <summary>Messages in the channel that reply to <paramref name="messageId"/>, in order.</summary>
    public IReadOnlyList<SandboxMessage> RepliesTo(ulong channelId, ulong messageId) =>
        MessagesIn(channelId).Where(m => m.ReferencedMessageId == messageId).ToArray();

    /// <summary>Stores a message by someone else than the bot; returns it.</summary>
    internal SandboxMessage AddUserMessage(ulong channelId, SandboxUser author, string content, bool bot, ulong? webhookId, IReadOnlyList<ulong> mentions)
    {
        var body = new JsonObject
        {
            ["content"] = content,
            ["embeds"] = new JsonArray(),
            ["components"] = new JsonArray(),
            ["mentions"] = new JsonArray(mentions.Select(id => (JsonNode)new JsonObject { ["id"] = id.ToString(CultureInfo.InvariantCulture), ["username"] = $"user{id}" }).ToArray()),
        };
        if (webhookId is { } hook)
            body["webhook_id"] = hook.ToString(CultureInfo.InvariantCulture);
        var user = new JsonObject { ["id"] = author.Id.ToString(CultureInfo.InvariantCulture), ["username"] = author.Username, ["global_name"] = author.Username };
        if (bot)
            user["bot"] = true;
        return AddMessage(channelId, body, author: user);
    }

    /// <summary>
    /// GET /channels/{id}/messages?after=&amp;limit= as Discord answers it: the <c>limit</c> (1–100, default 50)
    /// messages right after <c>after</c>, newest first.
    /// </summary>
    internal IResult ListMessages(ulong channelId, string? after, string? limit)
    {
        ulong afterId = 0;
        int count = 50;
        if ((after is { Length: > 0 } && !ulong.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out afterId))
            || (limit is { Length: > 0 } && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > 100)))
            return Error(400, 50035, "Invalid Form Body: after or limit.");
        var page = MessagesIn(channelId).Where(m => m.Id > afterId).Take(count).Reverse();
        return Results.Json(new JsonArray(page.Select(m => (JsonNode)m.ToJson()).ToArray()));
    }

    internal IResult GetChannel(ulong channelId)
    {
        lock (_lock)
        {
            return _channelNames.TryGetValue(channelId, out var name)
                ? Results.Json(new JsonObject { ["id"] = channelId.ToString(CultureInfo.InvariantCulture), ["name"] = name, ["guild_id"] = _options.GuildId.ToString(CultureInfo.InvariantCulture), ["type"] = 0 })
                : Error(404, 10003, "Unknown Channel");
        }
    }

    /// <summary>
    /// Carries message_reference and allowed_mentions into the stored message, as Discord does: the
    /// referenced message must exist in the channel (fail_if_not_exists defaults to true), and the message
    /// becomes a reply (type 19).
    /// </summary>
    private IResult? Reference(ulong channelId, JsonObject body, JsonObject picked)
    {
        if (body["allowed_mentions"] is JsonObject mentions)
            picked["allowed_mentions"] = mentions.DeepClone();
        if (body["message_reference"] is not JsonObject reference)
            return null;
        var idText = reference["message_id"]?.GetValue<string>();
        if (!ulong.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || GetMessage(id) is not { } target || target.ChannelId != channelId)
            return Error(400, 50035, "Invalid Form Body: message_reference: Unknown message");
        picked["message_reference"] = new JsonObject
        {
            ["message_id"] = id.ToString(CultureInfo.InvariantCulture),
            ["channel_id"] = channelId.ToString(CultureInfo.InvariantCulture),
            ["guild_id"] = _options.GuildId.ToString(CultureInfo.InvariantCulture),
        };
        picked["type"] = 19;
        return null;
    }

    private static DateTimeOffset SnowflakeTime(ulong id) => DiscordEpoch.AddMilliseconds(id >> 22);
}
