using System.Buffers;
using System.Text;

namespace ShawBot.Engine.Tokenization;

/// <summary>
/// What each id decodes to, precomputed from the decoder configuration.
/// Texts[id] is the piece after the per-token decoders (Replace "▁"→" ", per-token Strip);
/// ByteValues[id] is 0..255 for a &lt;0xXX&gt; piece when byte fallback decoding is on, else -1;
/// Special[id] marks ids that skipSpecial leaves out.
/// After fusing, up to StripLeadingCount leading StripChar chars of the whole output are removed
/// (the Strip decoder after Fuse, or SentencePiece's removal of the dummy prefix). With a
/// Metaspace decoder, MetaspaceFirstToken drops every replacement char of the first token and
/// turns it into a space elsewhere (tokenizers' Metaspace::decode_chain).
/// </summary>
internal sealed class DecodeTable(
    string[] pieces,
    string[] texts,
    short[] byteValues,
    bool[] special,
    int stripLeadingCount,
    char stripChar,
    char? metaspaceFirstToken)
{
    public string[] Pieces { get; } = pieces;

    public string[] Texts { get; } = texts;

    public short[] ByteValues { get; } = byteValues;

    public bool[] Special { get; } = special;

    public int StripLeadingCount { get; } = stripLeadingCount;

    public char StripChar { get; } = stripChar;

    public char? MetaspaceFirstToken { get; } = metaspaceFirstToken;

    /// <summary>Parses "&lt;0xXX&gt;" (exactly two hex digits), the byte fallback piece form.</summary>
    public static int ParseBytePiece(string piece)
    {
        if (piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
            && byte.TryParse(piece.AsSpan(3, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out byte b))
        {
            return b;
        }

        return -1;
    }
}

/// <summary>
/// The decode state machine shared by <see cref="ITokenizer.Decode"/> and
/// <see cref="IncrementalDecoder"/>, so both give the same text by construction.
///
/// A run of byte pieces is decoded like SentencePiece's DecodeIds: each complete, valid UTF-8
/// sequence becomes its character, and a byte that cannot start or continue one becomes U+FFFD
/// on its own (bytes after it are read again). Bytes that form a valid but incomplete prefix are
/// held until the next byte piece; a non-byte piece or the end of input ends the run, and the
/// held bytes then become one U+FFFD each. (Hugging Face's ByteFallback decoder instead turns a
/// whole run with any invalid byte into U+FFFDs; the two agree whenever the bytes are valid UTF-8,
/// and only the per-byte rule lets a stream emit a character as soon as it is complete.)
/// </summary>
internal sealed class DecodeState(DecodeTable table, bool skipSpecial)
{
    private readonly byte[] _pending = new byte[4];
    private int _pendingCount;
    private int _stripBudget = table.StripLeadingCount;
    private bool _firstToken = true;

    public void Push(int id, StringBuilder output)
    {
        if ((uint)id >= (uint)table.Texts.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id outside the vocabulary (0..{table.Texts.Length - 1}).");
        }

        if (skipSpecial && table.Special[id])
        {
            return;
        }

        int byteValue = table.ByteValues[id];
        if (byteValue >= 0)
        {
            _pending[_pendingCount++] = (byte)byteValue;
            DrainBytes(output, endOfRun: false);
        }
        else
        {
            DrainBytes(output, endOfRun: true);
            if (_firstToken && table.MetaspaceFirstToken is char replacement)
            {
                Emit(table.Pieces[id].Replace(replacement.ToString(), string.Empty, StringComparison.Ordinal), output);
            }
            else
            {
                Emit(table.Texts[id], output);
            }
        }

        _firstToken = false;
    }

    public void Flush(StringBuilder output) => DrainBytes(output, endOfRun: true);

    private void DrainBytes(StringBuilder output, bool endOfRun)
    {
        Span<char> chars = stackalloc char[2];
        while (_pendingCount > 0)
        {
            var status = Rune.DecodeFromUtf8(_pending.AsSpan(0, _pendingCount), out var rune, out int consumed);
            if (status == OperationStatus.NeedMoreData && !endOfRun)
            {
                return; // a valid prefix: wait for the rest of the character
            }

            if (status == OperationStatus.Done)
            {
                Emit(chars[..rune.EncodeToUtf16(chars)], output);
            }
            else
            {
                Emit("\uFFFD", output);
                consumed = 1;
            }

            _pendingCount -= consumed;
            _pending.AsSpan(consumed, _pendingCount).CopyTo(_pending);
        }
    }

    private void Emit(ReadOnlySpan<char> text, StringBuilder output)
    {
        if (_stripBudget > 0)
        {
            int k = 0;
            while (k < text.Length && _stripBudget > 0 && text[k] == table.StripChar)
            {
                k++;
                _stripBudget--;
            }

            if (k < text.Length)
            {
                _stripBudget = 0;
            }

            text = text[k..];
        }

        output.Append(text);
    }
}

/// <summary>
/// Streams decoded text one id at a time. Each <see cref="Push"/> returns only text that is final:
/// an incomplete UTF-8 character spread over byte pieces is held back until it completes. The
/// concatenation of every Push and the final <see cref="Flush"/> equals Decode of all the ids.
/// Not thread-safe; create one per stream.
/// </summary>
public sealed class IncrementalDecoder
{
    private readonly DecodeState _state;
    private readonly StringBuilder _buffer = new();

    internal IncrementalDecoder(DecodeTable table, bool skipSpecial)
    {
        _state = new DecodeState(table, skipSpecial);
    }

    /// <summary>Adds one id; returns the text it completes (often empty).</summary>
    public string Push(int id)
    {
        _state.Push(id, _buffer);
        return Take();
    }

    /// <summary>Ends the stream: pending bytes that never formed a character become U+FFFD.</summary>
    public string Flush()
    {
        _state.Flush(_buffer);
        return Take();
    }

    private string Take()
    {
        if (_buffer.Length == 0)
        {
            return string.Empty;
        }

        string text = _buffer.ToString();
        _buffer.Clear();
        return text;
    }
}
