using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ShawBot.Sandbox.Discord;

/// <summary>The scripted side of the sandbox: users acting in Discord, and the admin HTTP surface.</summary>
public sealed partial class DiscordSandbox
{
    /// <summary>A user clicks a button on a message (as Discord's client would: only enabled buttons).</summary>
    public SandboxInteraction ClickButton(ulong channelId, ulong messageId, string customId, SandboxUser user)
    {
        var message = Rest.GetMessage(messageId) ?? throw new InvalidOperationException($"No message {messageId}.");
        if (message.ChannelId != channelId)
            throw new InvalidOperationException($"Message {messageId} is not in channel {channelId}.");
        var button = message.Buttons.FirstOrDefault(b => b.CustomId == customId)
            ?? throw new InvalidOperationException($"Message {messageId} has no button '{customId}'.");
        if (button.Disabled)
            throw new InvalidOperationException($"Button '{customId}' is disabled.");
        var data = new JsonObject { ["custom_id"] = customId, ["component_type"] = 2 };
        return DispatchInteraction(3, data, user, channelId, message);
    }

    /// <summary>Clicks a button on the newest message in the channel that has it.</summary>
    public SandboxInteraction ClickButton(ulong channelId, string customId, SandboxUser user)
    {
        var message = Rest.MessagesIn(channelId).LastOrDefault(m => m.Buttons.Any(b => b.CustomId == customId))
            ?? throw new InvalidOperationException($"No message in {channelId} has a button '{customId}'.");
        return ClickButton(channelId, message.Id, customId, user);
    }

    /// <summary>
    /// Submits the modal that the bot opened in answer to <paramref name="origin"/>; inputs not in
    /// <paramref name="values"/> keep their prefilled value.
    /// </summary>
    public SandboxInteraction SubmitModal(SandboxInteraction origin, IReadOnlyDictionary<string, string> values, SandboxUser? user = null)
    {
        var response = Rest.ResponseTo(origin.Id);
        if (response is not { Type: 9 })
            throw new InvalidOperationException($"Interaction {origin.Id} was not answered with a modal.");
        var inputs = response.ModalInputs.ToDictionary(kv => kv.Key, kv => values.TryGetValue(kv.Key, out var v) ? v : kv.Value ?? "");
        foreach (var key in values.Keys)
            if (!inputs.ContainsKey(key))
                throw new InvalidOperationException($"The modal has no input '{key}'.");
        return SubmitModal(response.ModalCustomId!, inputs, user ?? origin.User, origin.ChannelId, origin.MessageId);
    }

    /// <summary>Submits a modal by its custom_id with text input values.</summary>
    public SandboxInteraction SubmitModal(string modalCustomId, IReadOnlyDictionary<string, string> values, SandboxUser user, ulong channelId, ulong? messageId = null)
    {
        var rows = new JsonArray(values.Select(kv => (JsonNode)new JsonObject
        {
            ["type"] = 1,
            ["components"] = new JsonArray(new JsonObject { ["type"] = 4, ["custom_id"] = kv.Key, ["value"] = kv.Value }),
        }).ToArray());
        var data = new JsonObject { ["custom_id"] = modalCustomId, ["components"] = rows };
        var message = messageId is { } id ? Rest.GetMessage(id) : null;
        return DispatchInteraction(5, data, user, channelId, message);
    }

    /// <summary>A user runs <c>/name subcommand</c>.</summary>
    public SandboxInteraction SlashCommand(string name, string? subcommand, SandboxUser user, ulong channelId)
    {
        var data = new JsonObject { ["id"] = NextId().ToString(), ["name"] = name, ["type"] = 1 };
        if (subcommand is not null)
            data["options"] = new JsonArray(new JsonObject { ["name"] = subcommand, ["type"] = 1, ["options"] = new JsonArray() });
        return DispatchInteraction(2, data, user, channelId, null);
    }

    /// <summary>Builds an INTERACTION_CREATE like Discord's and dispatches it on the gateway.</summary>
    public SandboxInteraction DispatchInteraction(int type, JsonObject data, SandboxUser user, ulong channelId, SandboxMessage? message)
    {
        var interaction = new SandboxInteraction(NextId(), NewToken(), type, user, channelId, message?.Id);
        Rest.RegisterInteraction(interaction);
        var payload = new JsonObject
        {
            ["id"] = interaction.Id.ToString(),
            ["application_id"] = Options.ApplicationId.ToString(),
            ["type"] = type,
            ["data"] = data,
            ["guild_id"] = Options.GuildId.ToString(),
            ["channel_id"] = channelId.ToString(),
            ["member"] = user.ToMemberJson(),
            ["token"] = interaction.Token,
            ["version"] = 1,
            ["app_permissions"] = "0",
            ["locale"] = "en-US",
        };
        if (message is not null)
            payload["message"] = message.ToJson();
        Gateway.Dispatch("INTERACTION_CREATE", payload);
        return interaction;
    }

    /// <summary>Waits for the bot's callback to an interaction.</summary>
    public async Task<SandboxInteractionResponse> WaitForResponseAsync(SandboxInteraction interaction, TimeSpan? timeout = null)
    {
        await WaitUntilAsync(() => Rest.ResponseTo(interaction.Id) is not null, timeout ?? TimeSpan.FromSeconds(10),
            $"no response to interaction {interaction.Id}").ConfigureAwait(false);
        return Rest.ResponseTo(interaction.Id)!;
    }

    /// <summary>Polls a condition every 10 ms; throws <see cref="TimeoutException"/> naming what was awaited.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s: {what}.");
            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    /// <summary>HTTP doors onto the script for manual demos: POST /_sandbox/... (no auth: loopback only).</summary>
    private void MapAdmin(WebApplication app)
    {
        app.MapPost("/_sandbox/gateway/reconnect", () => { Gateway.SendReconnect(); return Results.NoContent(); });
        app.MapPost("/_sandbox/gateway/heartbeat", () => { Gateway.RequestHeartbeat(); return Results.NoContent(); });
        app.MapPost("/_sandbox/gateway/invalid-session", (bool resumable) => { Gateway.SendInvalidSession(resumable); return Results.NoContent(); });
        app.MapPost("/_sandbox/gateway/close", (int code) => { Gateway.Close(code); return Results.NoContent(); });
        app.MapPost("/_sandbox/gateway/abort", () => { Gateway.Abort(); return Results.NoContent(); });
        app.MapPost("/_sandbox/gateway/swallow-acks", (bool on) => { Gateway.SwallowHeartbeatAcks = on; return Results.NoContent(); });
        app.MapGet("/_sandbox/gateway/log", () => Results.Json(Gateway.Log.Select(e => e.ToString())));
        app.MapPost("/_sandbox/rest/rate-limit", (string route, double retryAfter, bool? global, int? times) =>
        {
            RateLimits.Inject429(route, TimeSpan.FromSeconds(retryAfter), global ?? false, times ?? 1);
            return Results.NoContent();
        });
        app.MapGet("/_sandbox/channels/{channelId}/messages", (ulong channelId) =>
            Results.Json(new JsonArray(Rest.MessagesIn(channelId).Select(m => (JsonNode)m.ToJson()).ToArray())));
        app.MapPost("/_sandbox/click", (ulong channelId, ulong messageId, string customId, ulong userId, string? username, string? roles) =>
            Results.Json(ClickButton(channelId, messageId, customId, ParseUser(userId, username, roles))));
        app.MapPost("/_sandbox/command", (string name, string? subcommand, ulong channelId, ulong userId, string? username, string? roles) =>
            Results.Json(SlashCommand(name, subcommand, ParseUser(userId, username, roles), channelId)));
        app.MapPost("/_sandbox/modal", async (HttpContext c, string customId, ulong channelId, ulong? messageId, ulong userId, string? username, string? roles) =>
        {
            var values = await c.Request.ReadFromJsonAsync<Dictionary<string, string>>().ConfigureAwait(false) ?? new();
            return Results.Json(SubmitModal(customId, values, ParseUser(userId, username, roles), channelId, messageId));
        });
    }

    private static SandboxUser ParseUser(ulong id, string? name, string? roles) =>
        new(id, name ?? $"user{id}", (roles ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(ulong.Parse).ToArray());
}
