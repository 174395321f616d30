using ShawBot.Infrastructure.Discord.Models;

namespace ShawBot.Infrastructure.Discord.Community;

/// <summary>
/// Cuts a reply into Discord messages of at most <see cref="DiscordLimits.MessageContent"/> characters.
/// Greedy: each part is the longest prefix that ends at a sentence end (. ! ? … or a line break followed
/// by white space or the end), else at the last white space, else at the limit (never inside a surrogate
/// pair). Deterministic, so a retry recomputes the same parts and can tell which are already posted.
/// </summary>
public static class ReplySplitter
{
    public static IReadOnlyList<string> Split(string text, int max = DiscordLimits.MessageContent)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 2);
        var parts = new List<string>();
        var rest = text.Trim();
        while (rest.Length > max)
        {
            var cut = Cut(rest.AsSpan(0, max + 1), max);
            parts.Add(rest[..cut].TrimEnd());
            rest = rest[cut..].TrimStart();
        }

        if (rest.Length > 0)
        {
            parts.Add(rest);
        }

        return parts;
    }

    /// <summary>
    /// Where to end a part within <paramref name="window"/>[..max] (the window holds one more character, so
    /// a sentence end at position max − 1 can see that white space follows it).
    /// </summary>
    private static int Cut(ReadOnlySpan<char> window, int max)
    {
        for (var i = max - 1; i > 0; i--)
        {
            var c = window[i];
            if (c == '\n' || (c is '.' or '!' or '?' or '…' && char.IsWhiteSpace(window[i + 1])))
            {
                return i + 1;
            }
        }

        for (var i = max; i > 0; i--)
        {
            if (char.IsWhiteSpace(window[i]))
            {
                return i;
            }
        }

        return char.IsHighSurrogate(window[max - 1]) ? max - 1 : max;
    }
}
