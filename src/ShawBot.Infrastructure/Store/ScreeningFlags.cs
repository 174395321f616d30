namespace ShawBot.Infrastructure.Store;

/// <summary>How both providers store a draft's screening flags: one flag per line in one text column.</summary>
internal static class ScreeningFlags
{
    /// <summary>One flag per line: a flag is a single line of text (its line breaks are folded to spaces).</summary>
    public static string Join(IReadOnlyList<string> flags)
    {
        ArgumentNullException.ThrowIfNull(flags);
        return string.Join('\n', flags.Select(f => f.ReplaceLineEndings(" ")));
    }

    /// <summary>The flags of a stored text; null (no row) stays null.</summary>
    public static IReadOnlyList<string>? Split(string? text) => text?.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
