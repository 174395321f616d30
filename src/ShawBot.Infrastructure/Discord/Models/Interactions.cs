namespace ShawBot.Infrastructure.Discord.Models;

public enum InteractionType
{
    Ping = 1,
    ApplicationCommand = 2,
    MessageComponent = 3,
    ApplicationCommandAutocomplete = 4,
    ModalSubmit = 5,
}

public enum InteractionCallbackType
{
    Pong = 1,
    ChannelMessageWithSource = 4,
    DeferredChannelMessageWithSource = 5,
    DeferredUpdateMessage = 6,
    UpdateMessage = 7,
    Modal = 9,
}

public enum ApplicationCommandOptionType
{
    SubCommand = 1,
    SubCommandGroup = 2,
    String = 3,
    Integer = 4,
    Boolean = 5,
    User = 6,
    Channel = 7,
    Role = 8,
}

/// <summary>An option as received in an application command interaction (values kept as JSON).</summary>
public sealed record InteractionOption
{
    public string Name { get; init; } = "";
    public ApplicationCommandOptionType Type { get; init; }
    public System.Text.Json.JsonElement? Value { get; init; }
    public IReadOnlyList<InteractionOption>? Options { get; init; }
}

/// <summary>
/// The <c>data</c> of an interaction. Discord's shape depends on the interaction type: command
/// fields (id, name, options), component fields (custom_id, component_type) and modal fields
/// (custom_id, components); the absent ones stay null.
/// </summary>
public sealed record InteractionData
{
    public ulong? Id { get; init; }
    public string? Name { get; init; }
    public IReadOnlyList<InteractionOption>? Options { get; init; }
    public string? CustomId { get; init; }
    public ComponentType? ComponentType { get; init; }
    public IReadOnlyList<string>? Values { get; init; }
    public IReadOnlyList<DiscordComponent>? Components { get; init; }

    /// <summary>The first subcommand's name for <c>/command sub</c>, else null.</summary>
    public string? SubcommandName =>
        Options?.FirstOrDefault(o => o.Type == ApplicationCommandOptionType.SubCommand)?.Name;

    /// <summary>The value typed into the modal text input with this custom id, else null.</summary>
    public string? GetTextInput(string customId) =>
        Components?.SelectMany(c => c.Flatten())
            .FirstOrDefault(c => c.Type == Models.ComponentType.TextInput && c.CustomId == customId)?.Value;
}

public sealed record DiscordInteraction
{
    public ulong Id { get; init; }
    public ulong ApplicationId { get; init; }
    public InteractionType Type { get; init; }
    public InteractionData? Data { get; init; }
    public ulong? GuildId { get; init; }
    public ulong? ChannelId { get; init; }
    /// <summary>Present in guilds; carries the invoking user and their role ids.</summary>
    public DiscordMember? Member { get; init; }
    /// <summary>Present in DMs instead of <see cref="Member"/>.</summary>
    public DiscordUser? User { get; init; }
    /// <summary>Secret for 15 minutes: authorises the callback and follow-ups. Never log it.</summary>
    public string Token { get; init; } = "";
    public int Version { get; init; }
    /// <summary>The message whose component was used (component interactions only).</summary>
    public DiscordMessage? Message { get; init; }

    public DiscordUser? Invoker => Member?.User ?? User;

    public IReadOnlyList<ulong> InvokerRoles => Member?.Roles ?? Array.Empty<ulong>();

    public override string ToString() => $"Interaction {Id} ({Type}, {Data?.CustomId ?? Data?.Name})";
}

/// <summary>Body of POST /interactions/{id}/{token}/callback.</summary>
public sealed record InteractionResponse
{
    public InteractionCallbackType Type { get; init; }
    /// <summary><see cref="MessagePayload"/> for message types, <see cref="ModalPayload"/> for <see cref="InteractionCallbackType.Modal"/>.</summary>
    public object? Data { get; init; }

    public static InteractionResponse Message(MessagePayload message) => new() { Type = InteractionCallbackType.ChannelMessageWithSource, Data = message };

    public static InteractionResponse Ephemeral(string content) => Message(new MessagePayload
    {
        Content = content,
        Flags = MessageFlags.Ephemeral,
        AllowedMentions = AllowedMentions.None,
    });

    public static InteractionResponse Defer(bool ephemeral = false) => new()
    {
        Type = InteractionCallbackType.DeferredChannelMessageWithSource,
        Data = ephemeral ? new MessagePayload { Flags = MessageFlags.Ephemeral } : null,
    };

    public static InteractionResponse DeferUpdate() => new() { Type = InteractionCallbackType.DeferredUpdateMessage };

    public static InteractionResponse UpdateMessage(MessagePayload message) => new() { Type = InteractionCallbackType.UpdateMessage, Data = message };

    public static InteractionResponse Modal(ModalPayload modal) => new() { Type = InteractionCallbackType.Modal, Data = modal };

    public void Validate()
    {
        switch (Data)
        {
            case MessagePayload m:
                m.Validate("data");
                break;
            case ModalPayload modal:
                if (Type != InteractionCallbackType.Modal)
                    throw new ArgumentException("data is a modal but type is not Modal (9).", nameof(Data));
                modal.Validate("data");
                break;
            case null when Type is InteractionCallbackType.Modal or InteractionCallbackType.ChannelMessageWithSource or InteractionCallbackType.UpdateMessage:
                throw new ArgumentException($"data is required for callback type {Type}.", nameof(Data));
        }
    }
}

public sealed record ModalPayload
{
    public string CustomId { get; init; } = "";
    public string Title { get; init; } = "";
    public IReadOnlyList<DiscordComponent> Components { get; init; } = Array.Empty<DiscordComponent>();

    public void Validate(string path = "modal")
    {
        DiscordLimits.CheckRequired(CustomId, DiscordLimits.CustomId, $"{path}.custom_id");
        DiscordLimits.CheckRequired(Title, DiscordLimits.ModalTitle, $"{path}.title");
        if (Components.Count == 0)
            throw new ArgumentException($"{path}.components must hold at least one action row.", $"{path}.components");
        DiscordComponent.ValidateRows(Components, $"{path}.components");
    }
}
