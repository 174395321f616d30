namespace ShawBot.Engine.Tokenization;

/// <summary>
/// A Llama/Mistral style tokenizer: BPE over SentencePiece pieces with byte fallback.
/// Implementations are immutable and safe to use from several threads at once.
/// </summary>
public interface ITokenizer
{
    /// <summary>Largest token id + 1, counting added tokens.</summary>
    int VocabSize { get; }

    int BosId { get; }

    int EosId { get; }

    int? PadId { get; }

    int UnkId { get; }

    /// <summary>Whether <see cref="Encode(string, bool)"/> with addSpecial puts BOS in front.</summary>
    bool AddBos { get; }

    /// <summary>Whether <see cref="Encode(string, bool)"/> with addSpecial appends EOS.</summary>
    bool AddEos { get; }

    /// <summary>Encodes text; special tokens written in the text (e.g. "&lt;/s&gt;") become those tokens.</summary>
    int[] Encode(string text, bool addSpecial = true);

    /// <summary>Appends the ids of <paramref name="text"/> to <paramref name="output"/>.</summary>
    void Encode(ReadOnlySpan<char> text, List<int> output, bool addSpecial);

    /// <summary>Decodes ids; special tokens (BOS, EOS, UNK, ...) are left out when <paramref name="skipSpecial"/>.</summary>
    string Decode(ReadOnlySpan<int> ids, bool skipSpecial = true);

    /// <summary>The piece string of an id as stored in the vocabulary (with "▁" for spaces).</summary>
    string IdToToken(int id);

    int? TokenToId(string token);

    /// <summary>A streaming decoder whose concatenated output equals <see cref="Decode"/> of all pushed ids.</summary>
    IncrementalDecoder CreateIncrementalDecoder(bool skipSpecial = true);
}
