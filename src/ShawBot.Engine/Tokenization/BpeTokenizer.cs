using System.Text;

namespace ShawBot.Engine.Tokenization;

/// <summary>Ids of the special tokens and how Encode wraps a sequence with them.</summary>
internal sealed record SpecialTokenIds(
    int BosId,
    int EosId,
    int? PadId,
    int UnkId,
    bool AddBos,
    bool AddEos,
    int[] Prefix,
    int[] Suffix);

/// <summary>
/// The tokenizer both file formats load into. Encoding runs:
/// 1. split the raw text at added tokens (special tokens such as "&lt;/s&gt;" written in the
///    text become those ids, as in Hugging Face tokenizers);
/// 2. normalize each plain run on its own (so "a&lt;/s&gt;b" gives "▁a", &lt;/s&gt;, "▁b" under
///    the legacy Prepend normalizer, exactly like tokenizers and transformers' slow tokenizer);
/// 3. BPE-merge each word;
/// 4. add the post-processor's prefix (BOS) and suffix (EOS) when asked.
/// Immutable; Encode and Decode may run on several threads at once.
/// </summary>
internal sealed class BpeTokenizer : ITokenizer
{
    [ThreadStatic]
    private static CharBuffer? t_buffer;

    [ThreadStatic]
    private static List<Range>? t_words;

    private readonly string[] _pieces;
    private readonly Dictionary<string, int> _tokenToId;
    private readonly BpeMerger _merger;
    private readonly TextNormalizer _normalizer;
    private readonly AddedTokenMatcher _matcher;
    private readonly SpecialTokenIds _special;
    private readonly DecodeTable _decodeTable;

    public BpeTokenizer(
        string[] pieces,
        Dictionary<string, int> tokenToId,
        BpeMerger merger,
        TextNormalizer normalizer,
        AddedTokenMatcher matcher,
        SpecialTokenIds special,
        DecodeTable decodeTable)
    {
        _pieces = pieces;
        _tokenToId = tokenToId;
        _merger = merger;
        _normalizer = normalizer;
        _matcher = matcher;
        _special = special;
        _decodeTable = decodeTable;
    }

    public int VocabSize => _pieces.Length;

    public int BosId => _special.BosId;

    public int EosId => _special.EosId;

    public int? PadId => _special.PadId;

    public int UnkId => _special.UnkId;

    public bool AddBos => _special.AddBos;

    public bool AddEos => _special.AddEos;

    public int[] Encode(string text, bool addSpecial = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new List<int>(text.Length / 3 + 4);
        Encode(text.AsSpan(), output, addSpecial);
        return output.ToArray();
    }

    public void Encode(ReadOnlySpan<char> text, List<int> output, bool addSpecial)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (addSpecial)
        {
            output.AddRange(_special.Prefix);
        }

        int pos = 0;
        while (pos < text.Length)
        {
            bool found = _matcher.TryFindNext(text, pos, out int start, out int end, out int id);
            if (start > pos)
            {
                EncodePlainText(text[pos..start], pos == 0, output);
            }

            if (!found)
            {
                break;
            }

            output.Add(id);
            pos = end;
        }

        if (addSpecial)
        {
            output.AddRange(_special.Suffix);
        }
    }

    public string Decode(ReadOnlySpan<int> ids, bool skipSpecial = true)
    {
        var state = new DecodeState(_decodeTable, skipSpecial);
        var output = new StringBuilder(ids.Length * 4);
        foreach (int id in ids)
        {
            state.Push(id, output);
        }

        state.Flush(output);
        return output.ToString();
    }

    public string IdToToken(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, _pieces.Length);
        return _pieces[id];
    }

    public int? TokenToId(string token) => _tokenToId.TryGetValue(token, out int id) ? id : null;

    public IncrementalDecoder CreateIncrementalDecoder(bool skipSpecial = true) => new(_decodeTable, skipSpecial);

    private void EncodePlainText(ReadOnlySpan<char> text, bool atTextStart, List<int> output)
    {
        var buffer = t_buffer ??= new CharBuffer();
        var words = t_words ??= new List<Range>();
        buffer.Clear();
        words.Clear();
        _normalizer.Normalize(text, atTextStart, buffer, words);
        foreach (var word in words)
        {
            _merger.Encode(buffer.Span[word], output);
        }
    }
}
