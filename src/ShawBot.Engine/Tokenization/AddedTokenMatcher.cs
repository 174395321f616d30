using System.Buffers;

namespace ShawBot.Engine.Tokenization;

/// <summary>
/// A token matched in raw text before normalization and BPE (Hugging Face "added_tokens").
/// LStrip/RStrip make the match swallow whitespace on that side; SingleWord only matches
/// when the neighbours are not word characters.
/// </summary>
internal sealed record AddedToken(
    int Id,
    string Content,
    bool Special,
    bool LStrip = false,
    bool RStrip = false,
    bool SingleWord = false,
    bool Normalized = false);

/// <summary>
/// Finds added tokens in text, leftmost first and longest at a position (the Aho-Corasick
/// LeftmostLongest rule that tokenizers' AddedVocabulary uses). The number of added tokens is
/// small, so candidates are grouped by first char and found with a vectorized IndexOfAny.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;
    private readonly SearchValues<char> _firstChars;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens
            .Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
        _firstChars = SearchValues.Create(_byFirstChar.Keys.ToArray());
    }

    public bool IsEmpty => _byFirstChar.Count == 0;

    /// <summary>
    /// Finds the first added token at or after <paramref name="from"/>. The match span
    /// [start, end) includes whitespace taken by lstrip/rstrip; lstrip never reaches before
    /// <paramref name="from"/>.
    /// </summary>
    public bool TryFindNext(ReadOnlySpan<char> text, int from, out int start, out int end, out int id)
    {
        int pos = from;
        while (pos < text.Length)
        {
            int offset = text[pos..].IndexOfAny(_firstChars);
            if (offset < 0)
            {
                break;
            }

            pos += offset;
            foreach (var token in _byFirstChar[text[pos]])
            {
                if (!text[pos..].StartsWith(token.Content, StringComparison.Ordinal))
                {
                    continue;
                }

                int matchEnd = pos + token.Content.Length;
                if (token.SingleWord && !IsWordBoundary(text, pos, matchEnd))
                {
                    continue;
                }

                start = pos;
                end = matchEnd;
                if (token.LStrip)
                {
                    while (start > from && char.IsWhiteSpace(text[start - 1]))
                    {
                        start--;
                    }
                }

                if (token.RStrip)
                {
                    while (end < text.Length && char.IsWhiteSpace(text[end]))
                    {
                        end++;
                    }
                }

                id = token.Id;
                return true;
            }

            pos++;
        }

        start = end = text.Length;
        id = -1;
        return false;
    }

    private static bool IsWordBoundary(ReadOnlySpan<char> text, int start, int end)
    {
        bool leftOk = start == 0 || !IsWordChar(text[start - 1]);
        bool rightOk = end == text.Length || !IsWordChar(text[end]);
        return leftOk && rightOk;
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';
}
