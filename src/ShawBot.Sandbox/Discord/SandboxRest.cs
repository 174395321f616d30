using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ShawBot.Sandbox.Discord;

/// <summary>
/// State behind the sandbox's REST routes: channel messages, interaction callbacks, follow-ups and
/// registered commands, with the same checks Discord makes (unknown interaction 10062, already
/// acknowledged 40060, over-long content or custom_id 50035).
/// </summary>
public sealed partial class SandboxRest
{
    private readonly object _lock = new();
    private readonly Dictionary<ulong, SandboxMessage> _messages = new();
    private readonly Dictionary<string, InteractionRecord> _interactionsByToken = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, InteractionRecord> _interactionsById = new();
    private readonly List<SandboxInteractionResponse> _responses = new();
    private readonly List<RestLogEntry> _log = new();
    private readonly Dictionary<string, JsonArray> _commands = new(StringComparer.Ordinal);
    private readonly Stopwatch _clock;
    private readonly Func<ulong> _nextId;
    private readonly DiscordSandboxOptions _options;

    internal SandboxRest(DiscordSandboxOptions options, Stopwatch clock, Func<ulong> nextId)
    {
        _options = options;
        _clock = clock;
        _nextId = nextId;
    }

    public IReadOnlyList<RestLogEntry> Log
    {
        get { lock (_log) return _log.ToArray(); }
    }

    public IReadOnlyList<SandboxInteractionResponse> InteractionResponses
    {
        get { lock (_lock) return _responses.ToArray(); }
    }

    /// <summary>Messages of a channel in creation order (ephemeral interaction replies included).</summary>
    public IReadOnlyList<SandboxMessage> MessagesIn(ulong channelId)
    {
        lock (_lock)
            return _messages.Values.Where(m => m.ChannelId == channelId).OrderBy(m => m.Id).ToArray();
    }

    public SandboxMessage? GetMessage(ulong messageId)
    {
        lock (_lock)
            return _messages.GetValueOrDefault(messageId);
    }

    /// <summary>Commands registered by bulk overwrite: key "global" or the guild id.</summary>
    public JsonArray? RegisteredCommands(string scope)
    {
        lock (_lock)
            return _commands.TryGetValue(scope, out var a) ? (JsonArray)a.DeepClone() : null;
    }

    public SandboxInteractionResponse? ResponseTo(ulong interactionId)
    {
        lock (_lock)
            return _responses.FirstOrDefault(r => r.InteractionId == interactionId);
    }

    internal void Record(RestLogEntry entry)
    {
        lock (_log)
            _log.Add(entry);
    }

    internal void RegisterInteraction(SandboxInteraction interaction)
    {
        var record = new InteractionRecord(interaction);
        lock (_lock)
        {
            _interactionsByToken[interaction.Token] = record;
            _interactionsById[interaction.Id] = record;
        }
    }

    /// <summary>Creates a message posted by the bot (or by <paramref name="author"/>, a user's JSON); returns it.</summary>
    internal SandboxMessage AddMessage(ulong channelId, JsonObject body, ulong? interactionId = null, JsonObject? author = null)
    {
        var id = _nextId();
        body["id"] = id.ToString();
        body["channel_id"] = channelId.ToString();
        body["guild_id"] = _options.GuildId.ToString();
        body["timestamp"] = SnowflakeTime(id).ToString("O");
        body["type"] ??= 0;
        body["author"] = author ?? new JsonObject { ["id"] = _options.ApplicationId.ToString(), ["username"] = "ShawBot", ["bot"] = true };
        var message = new SandboxMessage(id, channelId, body) { InteractionId = interactionId };
        lock (_lock)
            _messages[id] = message;
        return message;
    }

    internal IResult CreateMessage(ulong channelId, JsonObject body, IReadOnlyList<SandboxAttachment>? files = null)
    {
        if (Invalid(body) is { } bad)
            return bad;
        var picked = Pick(body);
        if (Reference(channelId, body, picked) is { } badReference)
            return badReference;
        files ??= [];
        if (files.Count > 10)
            return Error(400, 50035, "Invalid Form Body: files: Must be 10 or fewer in length.");
        // As Discord: payload_json.attachments[i].id names the part files[id]; each must exist.
        var attachments = new JsonArray();
        foreach (var a in body["attachments"] as JsonArray ?? new JsonArray())
        {
            int id = a?["id"]?.GetValue<int>() ?? -1;
            var file = files.FirstOrDefault(f => f.Part == $"files[{id}]");
            if (file is null)
                return Error(400, 50035, $"Invalid Form Body: attachments.{id}: no file part files[{id}].");
            string name = a?["filename"]?.GetValue<string>() ?? file.Filename;
            attachments.Add(new JsonObject
            {
                ["id"] = _nextId().ToString(), ["filename"] = name, ["size"] = file.Content.Length, ["content_type"] = file.ContentType,
                ["url"] = $"https://cdn.sandbox.invalid/attachments/{channelId}/{name}",
            });
        }
        picked["attachments"] = attachments;
        var message = AddMessage(channelId, picked);
        message.Files = files.Where(f => attachments.Any(a => a?["filename"]?.GetValue<string>() == f.Filename)).ToArray();
        return Results.Json(message.ToJson());
    }

    internal IResult EditMessage(ulong channelId, ulong messageId, JsonObject body)
    {
        if (Invalid(body) is { } bad)
            return bad;
        lock (_lock)
        {
            if (!_messages.TryGetValue(messageId, out var message) || message.ChannelId != channelId)
                return Error(404, 10008, "Unknown Message");
            Merge(message, body);
            return Results.Json(message.ToJson());
        }
    }

    internal IResult GetMessage(ulong channelId, ulong messageId)
    {
        lock (_lock)
            return _messages.TryGetValue(messageId, out var m) && m.ChannelId == channelId ? Results.Json(m.ToJson()) : Error(404, 10008, "Unknown Message");
    }

    internal IResult Callback(ulong interactionId, string token, JsonObject body)
    {
        int type = body["type"]?.GetValue<int>() ?? 0;
        var data = body["data"] as JsonObject;
        if (data is not null && Invalid(data) is { } bad)
            return bad;
        lock (_lock)
        {
            if (!_interactionsById.TryGetValue(interactionId, out var record) || record.Interaction.Token != token)
                return Error(404, 10062, "Unknown interaction");
            if (record.ResponseType is not null)
                return Error(400, 40060, "Interaction has already been acknowledged.");
            if (type is not (1 or 4 or 5 or 6 or 7 or 9))
                return Error(400, 50035, "Invalid Form Body: type");
            if (type is 6 or 7 && record.Interaction.MessageId is null)
                return Error(400, 50035, "Invalid Form Body: type (no message to update)");
            record.ResponseType = type;
            _responses.Add(new SandboxInteractionResponse(_clock.Elapsed, interactionId, type, (JsonObject?)data?.DeepClone()));
            var i = record.Interaction;
            switch (type)
            {
                case 4:
                    record.ResponseMessageId = AddMessage(i.ChannelId, Pick(data ?? new JsonObject(), keepFlags: true), interactionId).Id;
                    break;
                case 5:
                    record.ResponseMessageId = AddMessage(i.ChannelId, new JsonObject { ["content"] = "", ["flags"] = data?["flags"]?.GetValue<int>() }, interactionId).Id;
                    break;
                case 7:
                    Merge(_messages[i.MessageId!.Value], data ?? new JsonObject());
                    break;
            }
        }
        return Results.NoContent();
    }

    internal IResult EditOriginal(ulong applicationId, string token, JsonObject body)
    {
        if (Invalid(body) is { } bad)
            return bad;
        lock (_lock)
        {
            if (applicationId != _options.ApplicationId || !_interactionsByToken.TryGetValue(token, out var record))
                return Error(404, 10015, "Unknown Webhook");
            ulong? target = record.ResponseType switch
            {
                4 or 5 => record.ResponseMessageId,
                6 or 7 => record.Interaction.MessageId,
                _ => null,
            };
            if (target is not { } id || !_messages.TryGetValue(id, out var message))
                return Error(404, 10008, "Unknown Message");
            Merge(message, body);
            return Results.Json(message.ToJson());
        }
    }

    internal IResult Followup(ulong applicationId, string token, JsonObject body)
    {
        if (Invalid(body) is { } bad)
            return bad;
        lock (_lock)
        {
            if (applicationId != _options.ApplicationId || !_interactionsByToken.TryGetValue(token, out var record))
                return Error(404, 10015, "Unknown Webhook");
            if (record.ResponseType is null)
                return Error(400, 40060, "Interaction has not been acknowledged.");
            return Results.Json(AddMessage(record.Interaction.ChannelId, Pick(body, keepFlags: true), record.Interaction.Id).ToJson());
        }
    }

    internal IResult OverwriteCommands(ulong applicationId, string scope, JsonNode? body)
    {
        if (applicationId != _options.ApplicationId)
            return Error(403, 50001, "Missing Access");
        if (body is not JsonArray array)
            return Error(400, 50035, "Invalid Form Body: expected an array");
        foreach (var command in array.OfType<JsonObject>())
        {
            command["id"] = _nextId().ToString();
            command["application_id"] = applicationId.ToString();
        }
        lock (_lock)
            _commands[scope] = (JsonArray)array.DeepClone();
        return Results.Json(array);
    }

    private static JsonObject Pick(JsonObject body, bool keepFlags = false)
    {
        var picked = new JsonObject
        {
            ["content"] = body["content"]?.DeepClone() ?? "",
            ["embeds"] = body["embeds"]?.DeepClone() ?? new JsonArray(),
            ["components"] = body["components"]?.DeepClone() ?? new JsonArray(),
        };
        if (keepFlags && body["flags"] is { } flags)
            picked["flags"] = flags.DeepClone();
        return picked;
    }

    private static void Merge(SandboxMessage message, JsonObject edit)
    {
        foreach (var key in new[] { "content", "embeds", "components" })
            if (edit.ContainsKey(key))
                message.Body[key] = edit[key]?.DeepClone();
        message.EditCount++;
    }

    /// <summary>The subset of Discord's form validation that catches client bugs.</summary>
    private static IResult? Invalid(JsonObject body)
    {
        if (body["content"]?.GetValue<string>() is { Length: > 2000 })
            return Error(400, 50035, "Invalid Form Body: content: Must be 2000 or fewer in length.");
        foreach (var node in Descendants(body))
        {
            if (node is JsonObject o && o["custom_id"]?.GetValue<string>() is { Length: > 100 })
                return Error(400, 50035, "Invalid Form Body: custom_id: Must be 100 or fewer in length.");
            if (node is JsonObject t && t["type"]?.GetValue<int>() == 4 && t["value"]?.GetValue<string>() is { Length: > 4000 })
                return Error(400, 50035, "Invalid Form Body: value: Must be 4000 or fewer in length.");
        }
        return null;
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode node)
    {
        yield return node;
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a,
            _ => [],
        };
        foreach (var child in children)
            if (child is not null)
                foreach (var d in Descendants(child))
                    yield return d;
    }

    internal static IResult Error(int status, int code, string message) =>
        Results.Json(new JsonObject { ["message"] = message, ["code"] = code }, statusCode: status);

    private sealed class InteractionRecord(SandboxInteraction interaction)
    {
        public SandboxInteraction Interaction { get; } = interaction;
        public int? ResponseType { get; set; }
        public ulong? ResponseMessageId { get; set; }
    }
}
