using System.Text.Json.Serialization;

namespace ShawBot.Infrastructure.Discord.Models;

public enum ComponentType
{
    ActionRow = 1,
    Button = 2,
    StringSelect = 3,
    TextInput = 4,
}

public enum ButtonStyle
{
    Primary = 1,
    Secondary = 2,
    Success = 3,
    Danger = 4,
    Link = 5,
}

public enum TextInputStyle
{
    Short = 1,
    Paragraph = 2,
}

/// <summary>
/// A message or modal component. Discord uses one JSON shape with a numeric <c>type</c>; one flat
/// class (instead of a polymorphic hierarchy) round-trips every type we send and also reads what
/// comes back in messages and modal submissions. Build instances with the static factories.
/// </summary>
public sealed record DiscordComponent
{
    public ComponentType Type { get; init; }
    public string? CustomId { get; init; }
    public ButtonStyle? Style { get; init; }
    public string? Label { get; init; }
    public string? Url { get; init; }
    public bool? Disabled { get; init; }
    public string? Placeholder { get; init; }
    public string? Value { get; init; }
    public int? MinLength { get; init; }
    public int? MaxLength { get; init; }
    public bool? Required { get; init; }
    public IReadOnlyList<DiscordComponent>? Components { get; init; }

    /// <summary>Text input style shares the "style" field with buttons; it is written separately.</summary>
    [JsonIgnore]
    public TextInputStyle? InputStyle
    {
        get => Type == ComponentType.TextInput && Style is { } s ? (TextInputStyle)(int)s : null;
        init { if (value is { } v) Style = (ButtonStyle)(int)v; }
    }

    public static DiscordComponent ActionRow(params DiscordComponent[] components) =>
        new() { Type = ComponentType.ActionRow, Components = components };

    public static DiscordComponent Button(string customId, string label, ButtonStyle style = ButtonStyle.Secondary, bool disabled = false) =>
        new() { Type = ComponentType.Button, CustomId = customId, Label = label, Style = style, Disabled = disabled ? true : null };

    public static DiscordComponent LinkButton(string url, string label) =>
        new() { Type = ComponentType.Button, Url = url, Label = label, Style = ButtonStyle.Link };

    public static DiscordComponent Paragraph(string customId, string label, string? value = null, int maxLength = DiscordLimits.TextInputValue, bool required = true) =>
        new()
        {
            Type = ComponentType.TextInput,
            CustomId = customId,
            Label = label,
            InputStyle = TextInputStyle.Paragraph,
            Value = value,
            MaxLength = maxLength,
            Required = required,
        };

    /// <summary>The same component tree with every button disabled (used after a moderator acts).</summary>
    public DiscordComponent WithButtonsDisabled() => Type switch
    {
        ComponentType.Button when Style != ButtonStyle.Link => this with { Disabled = true },
        ComponentType.ActionRow => this with { Components = Components?.Select(c => c.WithButtonsDisabled()).ToArray() },
        _ => this,
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field Discord would reject.</summary>
    public void Validate(string path = "component")
    {
        switch (Type)
        {
            case ComponentType.ActionRow:
                if (Components is null || Components.Count == 0)
                    throw new ArgumentException($"{path}.components must hold at least one component.", $"{path}.components");
                DiscordLimits.CheckCount(Components, DiscordLimits.ComponentsPerRow, $"{path}.components");
                for (int i = 0; i < Components.Count; i++)
                {
                    if (Components[i].Type == ComponentType.ActionRow)
                        throw new ArgumentException($"{path}.components[{i}] cannot be a nested action row.", $"{path}.components[{i}]");
                    Components[i].Validate($"{path}.components[{i}]");
                }
                break;
            case ComponentType.Button:
                DiscordLimits.CheckLength(Label, DiscordLimits.ButtonLabel, $"{path}.label");
                if (Style == ButtonStyle.Link)
                {
                    if (string.IsNullOrEmpty(Url))
                        throw new ArgumentException($"{path}.url is required for a link button.", $"{path}.url");
                }
                else
                {
                    DiscordLimits.CheckRequired(CustomId, DiscordLimits.CustomId, $"{path}.custom_id");
                }
                break;
            case ComponentType.TextInput:
                DiscordLimits.CheckRequired(CustomId, DiscordLimits.CustomId, $"{path}.custom_id");
                DiscordLimits.CheckRequired(Label, DiscordLimits.TextInputLabel, $"{path}.label");
                DiscordLimits.CheckLength(Value, DiscordLimits.TextInputValue, $"{path}.value");
                DiscordLimits.CheckLength(Placeholder, DiscordLimits.TextInputPlaceholder, $"{path}.placeholder");
                if (MaxLength is < 1 or > DiscordLimits.TextInputValue)
                    throw new ArgumentException($"{path}.max_length must be within 1..{DiscordLimits.TextInputValue}.", $"{path}.max_length");
                if (MaxLength is { } max && Value is { } v && v.Length > max)
                    throw new ArgumentException($"{path}.value is {v.Length} characters; its max_length is {max}.", $"{path}.value");
                break;
            default:
                DiscordLimits.CheckLength(CustomId, DiscordLimits.CustomId, $"{path}.custom_id");
                break;
        }
    }

    internal static void ValidateRows(IReadOnlyList<DiscordComponent>? rows, string field)
    {
        if (rows is null)
            return;
        DiscordLimits.CheckCount(rows, DiscordLimits.ActionRowsPerMessage, field);
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].Type != ComponentType.ActionRow)
                throw new ArgumentException($"{field}[{i}] must be an action row.", $"{field}[{i}]");
            rows[i].Validate($"{field}[{i}]");
        }
    }

    /// <summary>Depth-first enumeration (used to read text inputs out of a modal submission).</summary>
    public IEnumerable<DiscordComponent> Flatten()
    {
        yield return this;
        if (Components is null)
            yield break;
        foreach (var child in Components)
            foreach (var c in child.Flatten())
                yield return c;
    }
}
