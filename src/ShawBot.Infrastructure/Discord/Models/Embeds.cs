namespace ShawBot.Infrastructure.Discord.Models;

public sealed record EmbedField(string Name, string Value, bool? Inline = null);

public sealed record EmbedFooter(string Text);

public sealed record EmbedAuthor(string Name, string? Url = null);

/// <summary>An image shown in the embed: an https URL or attachment://NAME for a file sent with the message.</summary>
public sealed record EmbedImage(string Url);

public sealed record DiscordEmbed
{
    public string? Title { get; init; }
    public string? Description { get; init; }
    public string? Url { get; init; }
    /// <summary>RGB colour as an integer (0xRRGGBB).</summary>
    public int? Color { get; init; }
    public DateTimeOffset? Timestamp { get; init; }
    public EmbedAuthor? Author { get; init; }
    public EmbedFooter? Footer { get; init; }
    public IReadOnlyList<EmbedField>? Fields { get; init; }
    public EmbedImage? Image { get; init; }

    public void Validate(string path = "embed")
    {
        DiscordLimits.CheckLength(Title, DiscordLimits.EmbedTitle, $"{path}.title");
        DiscordLimits.CheckLength(Description, DiscordLimits.EmbedDescription, $"{path}.description");
        DiscordLimits.CheckLength(Author?.Name, DiscordLimits.EmbedAuthorName, $"{path}.author.name");
        DiscordLimits.CheckLength(Footer?.Text, DiscordLimits.EmbedFooterText, $"{path}.footer.text");
        DiscordLimits.CheckCount(Fields, DiscordLimits.EmbedFields, $"{path}.fields");
        if (Fields is not null)
        {
            for (int i = 0; i < Fields.Count; i++)
            {
                DiscordLimits.CheckRequired(Fields[i].Name, DiscordLimits.EmbedFieldName, $"{path}.fields[{i}].name");
                DiscordLimits.CheckRequired(Fields[i].Value, DiscordLimits.EmbedFieldValue, $"{path}.fields[{i}].value");
            }
        }
    }

    /// <summary>Characters Discord counts towards the 6000-per-message embed total.</summary>
    public int TotalLength =>
        (Title?.Length ?? 0) + (Description?.Length ?? 0) + (Author?.Name.Length ?? 0) + (Footer?.Text.Length ?? 0)
        + (Fields?.Sum(f => f.Name.Length + f.Value.Length) ?? 0);

    internal static void ValidateAll(IReadOnlyList<DiscordEmbed>? embeds, string field)
    {
        if (embeds is null)
            return;
        DiscordLimits.CheckCount(embeds, DiscordLimits.EmbedsPerMessage, field);
        int total = 0;
        for (int i = 0; i < embeds.Count; i++)
        {
            embeds[i].Validate($"{field}[{i}]");
            total += embeds[i].TotalLength;
        }
        if (total > DiscordLimits.EmbedTotal)
            throw new ArgumentException($"{field} hold {total} characters in all; Discord allows at most {DiscordLimits.EmbedTotal}.", field);
    }
}
