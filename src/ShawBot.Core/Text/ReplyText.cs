using System.Text;

namespace ShawBot.Core.Text;

/// <summary>Post-processing of generated replies.</summary>
public static class ReplyText
{
    /// <summary>
    /// Keeps the text up to and including the first <paramref name="signOff"/> (the model keeps going after it
    /// when it does not stop at &lt;/s&gt;), trims whitespace, and cuts to <paramref name="maxLength"/> UTF-16
    /// units without splitting a surrogate pair.
    /// </summary>
    public static string Finish(string text, string signOff, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        if (!string.IsNullOrEmpty(signOff))
        {
            var at = text.IndexOf(signOff, StringComparison.Ordinal);
            if (at >= 0)
            {
                text = text[..(at + signOff.Length)];
            }
        }

        text = text.Trim();
        return Truncate(text, maxLength);
    }

    /// <summary>Cuts to at most <paramref name="maxLength"/> UTF-16 units, never leaving half a surrogate pair.</summary>
    public static string Truncate(string text, int maxLength)
    {
        if (text.Length <= maxLength)
        {
            return text;
        }

        var cut = maxLength;
        if (char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return text[..cut];
    }
}

/// <summary>What screening made of a comment before drafting.</summary>
/// <param name="SkipReason">Non-null when the comment should not be drafted.</param>
/// <param name="Text">The text to hand the writer (control characters removed, length capped).</param>
public sealed record ScreenedComment(string? SkipReason, string Text, IReadOnlyList<string> Flags);

/// <summary>
/// Makes any comment text safe to hand the writer: a bad comment yields a draft or a recorded skip,
/// never an exception. Scripts are not filtered: the channel has viewers writing in all of them.
/// </summary>
public static class CommentScreen
{
    public const string PossiblePromptInjection = "possible prompt injection";
    public const string Truncated = "comment truncated";
    public const string ControlCharactersRemoved = "control characters removed";

    private static readonly string[] InjectionMarkers =
    [
        "ignore previous instructions",
        "ignore all previous instructions",
        "ignore the above",
        "disregard previous instructions",
        "system prompt",
        "[inst]",
        "[/inst]",
        "</s>",
        "<s>",
    ];

    public static ScreenedComment Screen(string? text, int maxLength)
    {
        var flags = new List<string>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return new ScreenedComment("empty comment", "", flags);
        }

        var builder = new StringBuilder(Math.Min(text.Length, maxLength));
        var removed = false;
        foreach (var rune in text.EnumerateRunes())
        {
            // Keep line breaks and tabs; drop other C0/C1 controls, unpaired surrogates (already replaced
            // by EnumerateRunes with U+FFFD) and format characters that can hide text (bidi overrides).
            var category = Rune.GetUnicodeCategory(rune);
            var keep = rune.Value is '\n' or '\t'
                || (category != System.Globalization.UnicodeCategory.Control
                    && !(category == System.Globalization.UnicodeCategory.Format && IsBidiControl(rune.Value)));
            if (keep)
            {
                builder.Append(rune.ToString());
            }
            else
            {
                removed = true;
            }
        }

        if (removed)
        {
            flags.Add(ControlCharactersRemoved);
        }

        var clean = builder.ToString().Trim();
        if (clean.Length == 0)
        {
            return new ScreenedComment("no printable text", "", flags);
        }

        if (clean.Length > maxLength)
        {
            clean = ReplyText.Truncate(clean, maxLength);
            flags.Add(Truncated);
        }

        foreach (var marker in InjectionMarkers)
        {
            if (clean.Contains(marker, StringComparison.OrdinalIgnoreCase))
            {
                flags.Add(PossiblePromptInjection);
                break;
            }
        }

        return new ScreenedComment(null, clean, flags);
    }

    private static bool IsBidiControl(int value) =>
        value is >= 0x202A and <= 0x202E or >= 0x2066 and <= 0x2069 or 0x200E or 0x200F;
}
