namespace ShawBot.Infrastructure.Discord.Rest;

/// <summary>
/// One REST call: the method, a route template used as the rate-limit key and in logs (it never
/// contains tokens), and the concrete path. Discord computes per-route limits per top-level
/// resource (channel, guild, webhook id + token), so that value is part of the key.
/// </summary>
public readonly record struct DiscordRoute(HttpMethod Method, string Template, string MajorParameter, string Path)
{
    /// <summary>Key of the route before Discord tells us its bucket hash.</summary>
    public string RouteKey => $"{Method.Method} {Template}";

    public override string ToString() => RouteKey;

    public static DiscordRoute GetGatewayBot() => new(HttpMethod.Get, "/gateway/bot", "", "gateway/bot");

    public static DiscordRoute GetCurrentApplication() => new(HttpMethod.Get, "/applications/@me", "", "applications/@me");

    public static DiscordRoute CreateMessage(ulong channelId) =>
        new(HttpMethod.Post, "/channels/{channel_id}/messages", $"c:{channelId}", $"channels/{channelId}/messages");

    public static DiscordRoute EditMessage(ulong channelId, ulong messageId) =>
        new(HttpMethod.Patch, "/channels/{channel_id}/messages/{message_id}", $"c:{channelId}", $"channels/{channelId}/messages/{messageId}");

    public static DiscordRoute GetMessage(ulong channelId, ulong messageId) =>
        new(HttpMethod.Get, "/channels/{channel_id}/messages/{message_id}", $"c:{channelId}", $"channels/{channelId}/messages/{messageId}");

    /// <summary>GET /channels/{id}/messages?after=…&amp;limit=…: up to <paramref name="limit"/> messages after <paramref name="after"/>.</summary>
    public static DiscordRoute GetChannelMessages(ulong channelId, ulong after, int limit) =>
        new(HttpMethod.Get, "/channels/{channel_id}/messages", $"c:{channelId}", $"channels/{channelId}/messages?after={after}&limit={limit}");

    public static DiscordRoute GetChannel(ulong channelId) =>
        new(HttpMethod.Get, "/channels/{channel_id}", $"c:{channelId}", $"channels/{channelId}");

    // Interaction tokens are secrets: the template names them, the major parameter hashes them.
    public static DiscordRoute CreateInteractionResponse(ulong interactionId, string token) =>
        new(HttpMethod.Post, "/interactions/{interaction_id}/{token}/callback", $"i:{interactionId}", $"interactions/{interactionId}/{Uri.EscapeDataString(token)}/callback?with_response=false");

    public static DiscordRoute EditOriginalResponse(ulong applicationId, string token) =>
        new(HttpMethod.Patch, "/webhooks/{application_id}/{token}/messages/@original", $"w:{applicationId}:{token.GetHashCode():x}", $"webhooks/{applicationId}/{Uri.EscapeDataString(token)}/messages/@original");

    public static DiscordRoute CreateFollowup(ulong applicationId, string token) =>
        new(HttpMethod.Post, "/webhooks/{application_id}/{token}", $"w:{applicationId}:{token.GetHashCode():x}", $"webhooks/{applicationId}/{Uri.EscapeDataString(token)}");

    public static DiscordRoute BulkOverwriteGlobalCommands(ulong applicationId) =>
        new(HttpMethod.Put, "/applications/{application_id}/commands", "", $"applications/{applicationId}/commands");

    public static DiscordRoute BulkOverwriteGuildCommands(ulong applicationId, ulong guildId) =>
        new(HttpMethod.Put, "/applications/{application_id}/guilds/{guild_id}/commands", $"g:{guildId}", $"applications/{applicationId}/guilds/{guildId}/commands");
}
