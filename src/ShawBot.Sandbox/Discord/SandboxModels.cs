using System.Text.Json.Nodes;

namespace ShawBot.Sandbox.Discord;

/// <summary>A guild member the script acts as: id, name and role ids.</summary>
public sealed record SandboxUser(ulong Id, string Username, IReadOnlyList<ulong> Roles)
{
    public SandboxUser(ulong id, string username, params ulong[] roles)
        : this(id, username, (IReadOnlyList<ulong>)roles)
    {
    }

    internal JsonObject ToMemberJson() => new()
    {
        ["user"] = new JsonObject
        {
            ["id"] = Id.ToString(),
            ["username"] = Username,
            ["global_name"] = Username,
        },
        ["roles"] = new JsonArray(Roles.Select(r => (JsonNode)JsonValue.Create(r.ToString())).ToArray()),
        ["nick"] = null,
    };
}

public enum GatewayDirection
{
    /// <summary>Client → sandbox.</summary>
    Received,
    /// <summary>Sandbox → client.</summary>
    Sent,
    /// <summary>The WebSocket opened or closed; <see cref="GatewayLogEntry.CloseCode"/> says how.</summary>
    Connection,
}

/// <summary>
/// One gateway event as the sandbox saw it. <see cref="Elapsed"/> is measured from the sandbox's
/// start on a monotonic clock, so tests can compare intervals between entries.
/// </summary>
public sealed record GatewayLogEntry(
    TimeSpan Elapsed,
    int ConnectionId,
    GatewayDirection Direction,
    int? Op,
    string? EventName = null,
    long? Sequence = null,
    string? Detail = null,
    int? CloseCode = null)
{
    public override string ToString() =>
        $"{Elapsed.TotalMilliseconds,8:0} c{ConnectionId} {Direction} op={Op} {EventName} s={Sequence} {Detail} close={CloseCode}";
}

/// <summary>One REST request the sandbox answered.</summary>
public sealed record RestLogEntry(
    TimeSpan Elapsed,
    string Method,
    string Path,
    string RouteTemplate,
    int Status,
    string? Body,
    string? Authorization,
    string? UserAgent);

/// <summary>A channel message as the sandbox stores it; <see cref="Body"/> holds content, embeds and components.</summary>
public sealed class SandboxMessage
{
    internal SandboxMessage(ulong id, ulong channelId, JsonObject body)
    {
        Id = id;
        ChannelId = channelId;
        Body = body;
    }

    public ulong Id { get; }

    public ulong ChannelId { get; }

    /// <summary>Interaction that created this message (a response or follow-up), if any.</summary>
    public ulong? InteractionId { get; init; }

    public bool Ephemeral => ((Body["flags"]?.GetValue<int>() ?? 0) & 64) != 0;

    public int EditCount { get; internal set; }

    /// <summary>Files uploaded with the message (multipart), with their bytes.</summary>
    public IReadOnlyList<SandboxAttachment> Files { get; internal set; } = [];

    /// <summary>The image URLs of the embeds (attachment://NAME for an uploaded file).</summary>
    public IReadOnlyList<string> EmbedImages =>
        (Body["embeds"] as JsonArray ?? new JsonArray()).Select(e => e?["image"]?["url"]?.GetValue<string>()).OfType<string>().ToArray();

    internal JsonObject Body { get; set; }

    public string Content => Body["content"]?.GetValue<string>() ?? "";

    /// <summary>The author's user id (the bot's application id for the bot's own messages).</summary>
    public ulong AuthorId => ulong.Parse(Body["author"]?["id"]?.GetValue<string>() ?? "0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>For a reply: the message it answers (message_reference.message_id).</summary>
    public ulong? ReferencedMessageId =>
        Body["message_reference"]?["message_id"]?.GetValue<string>() is { } id ? ulong.Parse(id, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>The allowed_mentions the bot sent with the message, as JSON (null when it sent none).</summary>
    public string? AllowedMentionsJson => Body["allowed_mentions"]?.ToJsonString();

    /// <summary>Every button: custom_id (or url), label, disabled.</summary>
    public IReadOnlyList<SandboxButton> Buttons =>
        (Body["components"] as JsonArray ?? new JsonArray())
            .SelectMany(row => row?["components"] as JsonArray ?? new JsonArray())
            .Where(c => c?["type"]?.GetValue<int>() == 2)
            .Select(c => new SandboxButton(
                c!["custom_id"]?.GetValue<string>() ?? c["url"]?.GetValue<string>() ?? "",
                c["label"]?.GetValue<string>() ?? "",
                c["disabled"]?.GetValue<bool>() ?? false,
                c["style"]?.GetValue<int>() ?? 0))
            .ToArray();

    /// <summary>Embed titles, descriptions, field names and values, footers, joined with newlines (for text assertions).</summary>
    public string EmbedText =>
        string.Join('\n', (Body["embeds"] as JsonArray ?? new JsonArray()).SelectMany(e => EmbedStrings(e as JsonObject)));

    /// <summary>A snapshot of the stored JSON.</summary>
    public JsonObject ToJson() => (JsonObject)Body.DeepClone();

    private static IEnumerable<string> EmbedStrings(JsonObject? e)
    {
        if (e is null)
            yield break;
        foreach (var key in new[] { "title", "description", "url" })
            if (e[key]?.GetValue<string>() is { } s)
                yield return s;
        if (e["author"]?["name"]?.GetValue<string>() is { } a)
            yield return a;
        foreach (var f in e["fields"] as JsonArray ?? new JsonArray())
        {
            yield return f?["name"]?.GetValue<string>() ?? "";
            yield return f?["value"]?.GetValue<string>() ?? "";
        }
        if (e["footer"]?["text"]?.GetValue<string>() is { } footer)
            yield return footer;
    }
}

public sealed record SandboxButton(string CustomId, string Label, bool Disabled, int Style);

/// <summary>One file part of a multipart message: its part name (files[n]), file name, type and bytes.</summary>
public sealed record SandboxAttachment(string Part, string Filename, string ContentType, byte[] Content);

/// <summary>An interaction callback the bot sent (POST /interactions/{id}/{token}/callback).</summary>
public sealed record SandboxInteractionResponse(TimeSpan Elapsed, ulong InteractionId, int Type, JsonObject? Data)
{
    public bool Ephemeral => ((Data?["flags"]?.GetValue<int>() ?? 0) & 64) != 0;

    public string? Content => Data?["content"]?.GetValue<string>();

    /// <summary>For a modal (type 9): its custom_id.</summary>
    public string? ModalCustomId => Type == 9 ? Data?["custom_id"]?.GetValue<string>() : null;

    /// <summary>For a modal: text input custom_id → prefilled value.</summary>
    public IReadOnlyDictionary<string, string?> ModalInputs =>
        (Data?["components"] as JsonArray ?? new JsonArray())
            .SelectMany(row => row?["components"] as JsonArray ?? new JsonArray())
            .Where(c => c?["type"]?.GetValue<int>() == 4)
            .ToDictionary(c => c!["custom_id"]!.GetValue<string>(), c => c!["value"]?.GetValue<string>());
}

/// <summary>An interaction the script dispatched, with the token the bot must answer with.</summary>
public sealed record SandboxInteraction(ulong Id, string Token, int Type, SandboxUser User, ulong ChannelId, ulong? MessageId);
