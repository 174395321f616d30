namespace ShawBot.Infrastructure.Discord.Models;

/// <summary>
/// Length limits that Discord enforces with a 400 response; checked before sending so the
/// caller gets an <see cref="ArgumentException"/> naming the field instead of an opaque API error.
/// </summary>
public static class DiscordLimits
{
    public const int MessageContent = 2000;
    public const int EmbedsPerMessage = 10;
    public const int FilesPerMessage = 10;
    /// <summary>Upload size every server allows (boosted servers allow more).</summary>
    public const int FileBytes = 10 * 1024 * 1024;
    public const int EmbedTitle = 256;
    public const int EmbedDescription = 4096;
    public const int EmbedFields = 25;
    public const int EmbedFieldName = 256;
    public const int EmbedFieldValue = 1024;
    public const int EmbedFooterText = 2048;
    public const int EmbedAuthorName = 256;
    public const int EmbedTotal = 6000;
    public const int ActionRowsPerMessage = 5;
    public const int ComponentsPerRow = 5;
    public const int CustomId = 100;
    public const int ButtonLabel = 80;
    public const int ModalTitle = 45;
    public const int TextInputLabel = 45;
    public const int TextInputValue = 4000;
    public const int TextInputPlaceholder = 100;
    public const int CommandName = 32;
    public const int CommandDescription = 100;

    internal static void CheckLength(string? value, int max, string field)
    {
        if (value is not null && value.Length > max)
            throw new ArgumentException($"{field} is {value.Length} characters; Discord allows at most {max}.", field);
    }

    internal static void CheckRequired(string? value, int max, string field)
    {
        if (string.IsNullOrEmpty(value))
            throw new ArgumentException($"{field} is required.", field);
        CheckLength(value, max, field);
    }

    internal static void CheckCount<T>(IReadOnlyCollection<T>? items, int max, string field)
    {
        if (items is not null && items.Count > max)
            throw new ArgumentException($"{field} has {items.Count} items; Discord allows at most {max}.", field);
    }
}
