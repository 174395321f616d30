using System.Text;

namespace ShawBot.Engine.Tokenization;

/// <summary>Growable char buffer reused across calls (one per thread) to hold normalized text.</summary>
internal sealed class CharBuffer
{
    private char[] _chars = new char[256];

    public int Length { get; private set; }

    public ReadOnlySpan<char> Span => _chars.AsSpan(0, Length);

    public void Clear() => Length = 0;

    public void Append(char c)
    {
        if (Length == _chars.Length)
        {
            Array.Resize(ref _chars, _chars.Length * 2);
        }

        _chars[Length++] = c;
    }

    public void Append(ReadOnlySpan<char> text)
    {
        if (Length + text.Length > _chars.Length)
        {
            Array.Resize(ref _chars, Math.Max(_chars.Length * 2, Length + text.Length));
        }

        text.CopyTo(_chars.AsSpan(Length));
        Length += text.Length;
    }
}

/// <summary>
/// Turns one run of plain text (the text between added tokens) into the words that BPE merges
/// independently. <paramref name="atTextStart"/> is true when the run starts at offset 0 of the
/// original input (Metaspace's prepend_scheme "first").
/// </summary>
internal abstract class TextNormalizer
{
    public const char SpaceSymbol = '\u2581'; // "▁", SentencePiece's visible space

    public abstract void Normalize(ReadOnlySpan<char> segment, bool atTextStart, CharBuffer buffer, List<Range> words);
}

/// <summary>
/// SentencePiece's normalizer with an identity character map (normalizer.cc): optionally drop
/// leading/trailing spaces and collapse runs of spaces (remove_extra_whitespaces), put "▁" in
/// front (add_dummy_prefix), and write spaces as "▁" (escape_whitespaces). An empty result stays
/// empty: no dummy prefix is added to nothing. The whole text is one word: SentencePiece BPE
/// merges across whitespace, the vocabulary simply has no pieces that span "x▁".
/// </summary>
internal sealed class SentencePieceNormalizer(bool addDummyPrefix, bool removeExtraWhitespaces, bool escapeWhitespaces)
    : TextNormalizer
{
    public override void Normalize(ReadOnlySpan<char> segment, bool atTextStart, CharBuffer buffer, List<Range> words)
    {
        if (removeExtraWhitespaces)
        {
            segment = segment.Trim(' ');
        }

        if (segment.IsEmpty)
        {
            return;
        }

        int start = buffer.Length;
        char space = escapeWhitespaces ? SpaceSymbol : ' ';
        if (addDummyPrefix)
        {
            buffer.Append(space);
        }

        bool previousWasSpace = false;
        foreach (char c in segment)
        {
            if (c == ' ')
            {
                if (!(removeExtraWhitespaces && previousWasSpace))
                {
                    buffer.Append(space);
                }

                previousWasSpace = true;
            }
            else
            {
                buffer.Append(c);
                previousWasSpace = false;
            }
        }

        words.Add(start..buffer.Length);
    }
}

internal enum PrependScheme
{
    Always,
    First,
    Never,
}

/// <summary>One step of a Hugging Face "normalizer" (or a Sequence of them).</summary>
internal abstract record HfNormalizerStep
{
    public abstract string Apply(string text);
}

/// <summary>Prepend: adds the prefix to non-empty text (tokenizers' NormalizedString.prepend is a no-op on "").</summary>
internal sealed record PrependStep(string Prefix) : HfNormalizerStep
{
    public override string Apply(string text) => text.Length == 0 ? text : Prefix + text;
}

internal sealed record ReplaceStep(string Pattern, string Content) : HfNormalizerStep
{
    public override string Apply(string text) => text.Replace(Pattern, Content, StringComparison.Ordinal);
}

internal sealed record UnicodeFormStep(NormalizationForm Form) : HfNormalizerStep
{
    public override string Apply(string text) => text.Normalize(Form);
}

internal sealed record LowercaseStep : HfNormalizerStep
{
    public override string Apply(string text) => text.ToLowerInvariant();
}

internal sealed record StripStep(bool Left, bool Right) : HfNormalizerStep
{
    public override string Apply(string text) => Left && Right ? text.Trim() : Left ? text.TrimStart() : Right ? text.TrimEnd() : text;
}

/// <summary>The Metaspace pre-tokenizer of newer Llama tokenizer.json files.</summary>
internal sealed record MetaspaceOptions(char Replacement, PrependScheme Scheme, bool Split);

/// <summary>
/// Hugging Face pipeline: normalizer steps, then an optional Metaspace pre-tokenizer, which
/// (as tokenizers' Metaspace::pre_tokenize) replaces ' ' by the replacement, prepends it unless
/// the text already starts with it (always, or for "first" only at offset 0 of the input), and
/// with split=true cuts before every replacement char (MergedWithNext: "▁Hey▁▁you" →
/// "▁Hey", "▁", "▁you").
/// </summary>
internal sealed class HfTextNormalizer(IReadOnlyList<HfNormalizerStep> steps, MetaspaceOptions? metaspace) : TextNormalizer
{
    public MetaspaceOptions? Metaspace => metaspace;

    public override void Normalize(ReadOnlySpan<char> segment, bool atTextStart, CharBuffer buffer, List<Range> words)
    {
        string text = segment.ToString();
        foreach (var step in steps)
        {
            text = step.Apply(text);
        }

        if (metaspace is not null)
        {
            text = text.Replace(' ', metaspace.Replacement);
            bool prepend = metaspace.Scheme == PrependScheme.Always
                || (metaspace.Scheme == PrependScheme.First && atTextStart);
            if (prepend && text.Length > 0 && text[0] != metaspace.Replacement)
            {
                text = metaspace.Replacement + text;
            }
        }

        if (text.Length == 0)
        {
            return;
        }

        int start = buffer.Length;
        buffer.Append(text);
        if (metaspace is { Split: true })
        {
            int wordStart = start;
            for (int i = 1; i < text.Length; i++)
            {
                if (text[i] == metaspace.Replacement)
                {
                    words.Add(wordStart..(start + i));
                    wordStart = start + i;
                }
            }

            words.Add(wordStart..buffer.Length);
        }
        else
        {
            words.Add(start..buffer.Length);
        }
    }
}
