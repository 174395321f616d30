namespace ShawBot.Infrastructure.Discord.Models;

public sealed record ApplicationCommandOption
{
    public ApplicationCommandOptionType Type { get; init; }
    public string Name { get; init; } = "";
    public string Description { get; init; } = "";
    public bool? Required { get; init; }
    public IReadOnlyList<ApplicationCommandOption>? Options { get; init; }

    public static ApplicationCommandOption SubCommand(string name, string description) =>
        new() { Type = ApplicationCommandOptionType.SubCommand, Name = name, Description = description };
}

/// <summary>A chat-input (slash) command as sent to the bulk-overwrite routes.</summary>
public sealed record ApplicationCommand
{
    public ulong? Id { get; init; }
    /// <summary>1 = CHAT_INPUT.</summary>
    public int Type { get; init; } = 1;
    public string Name { get; init; } = "";
    public string Description { get; init; } = "";
    public IReadOnlyList<ApplicationCommandOption>? Options { get; init; }

    public void Validate(string path = "command")
    {
        DiscordLimits.CheckRequired(Name, DiscordLimits.CommandName, $"{path}.name");
        if (!Name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_'))
            throw new ArgumentException($"{path}.name must be lower-case letters, digits, '-' or '_'.", $"{path}.name");
        DiscordLimits.CheckRequired(Description, DiscordLimits.CommandDescription, $"{path}.description");
        if (Options is null)
            return;
        for (int i = 0; i < Options.Count; i++)
        {
            DiscordLimits.CheckRequired(Options[i].Name, DiscordLimits.CommandName, $"{path}.options[{i}].name");
            DiscordLimits.CheckRequired(Options[i].Description, DiscordLimits.CommandDescription, $"{path}.options[{i}].description");
        }
    }
}
