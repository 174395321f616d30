using System.Text;

namespace ShawBot.Engine.Tokenization;

/// <summary>A merge rule: pair (left, right) becomes <see cref="NewId"/>; lower rank merges first.</summary>
internal readonly record struct MergeRule(int Rank, int NewId);

/// <summary>
/// Two adjacent token ids, the key of the merge table. The hash multiplies the packed pair by a
/// 64-bit odd constant (Fibonacci hashing) and keeps the high bits: the default hash of a packed
/// long, left ^ right, sends the ~60k merges of a 32k vocabulary into under 32k buckets with long
/// chains.
/// </summary>
internal readonly struct TokenPair(int left, int right) : IEquatable<TokenPair>
{
    public int Left { get; } = left;

    public int Right { get; } = right;

    public bool Equals(TokenPair other) => Left == other.Left && Right == other.Right;

    public override bool Equals(object? obj) => obj is TokenPair other && Equals(other);

    public override int GetHashCode() =>
        (int)(((((ulong)(uint)Left << 32) | (uint)Right) * 0x9E3779B97F4A7C15UL) >> 32);
}

/// <summary>
/// Byte-pair merging of one word (a normalized string) into token ids.
///
/// Algorithm (as Hugging Face tokenizers' Word::merge_all and SentencePiece's bpe_model.cc):
/// 1. Split the word into initial symbols: one per Unicode scalar that is in the vocabulary;
///    a scalar that is not becomes the &lt;0xXX&gt; pieces of its UTF-8 bytes (byte fallback),
///    else UNK (consecutive UNKs fused into one when fuseUnk). User-defined pieces (SentencePiece)
///    are taken whole and frozen: they never merge.
/// 2. Keep the symbols in a doubly linked list over an array and push every adjacent pair that has
///    a merge rule into a min-heap keyed by (rank, left position).
/// 3. Pop the best pair; skip it if stale (either side already merged away or changed); otherwise
///    merge right into left and push the two new pairs formed with the neighbours.
/// Each merge removes one symbol and pushes at most two pairs, so n symbols cost O(n log n).
/// Ties in rank go to the leftmost pair, which is what both reference implementations do.
/// </summary>
internal sealed class BpeMerger
{
    private const int Dead = int.MinValue;

    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocab;
    // Id of every one-UTF-16-unit piece, -1 when absent: the per-character lookup without hashing.
    private readonly int[] _charIds;
    private readonly Dictionary<TokenPair, MergeRule> _merges;
    private readonly int[]? _byteIds;
    private readonly int _unkId;
    private readonly bool _fuseUnk;
    private readonly bool _splitBeforeSpaceSymbol;
    // SentencePiece UNUSED pieces: a merge that produces one is undone at the end.
    private readonly bool[]? _unused;
    // SentencePiece user-defined pieces by first char, longest first.
    private readonly Dictionary<char, (string Piece, int Id)[]>? _frozenByFirstChar;

    [ThreadStatic]
    private static Workspace? t_workspace;

    public BpeMerger(
        Dictionary<string, int> vocab,
        Dictionary<TokenPair, MergeRule> merges,
        int[]? byteIds,
        int unkId,
        bool fuseUnk,
        bool[]? unused = null,
        IReadOnlyList<(string Piece, int Id)>? frozenPieces = null)
    {
        _vocab = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _charIds = new int[char.MaxValue + 1];
        Array.Fill(_charIds, -1);
        foreach (var (piece, id) in vocab)
        {
            if (piece.Length == 1 && !char.IsSurrogate(piece[0]))
            {
                _charIds[piece[0]] = id;
            }
        }

        _merges = merges;
        _byteIds = byteIds;
        _unkId = unkId;
        _fuseUnk = fuseUnk;
        _unused = unused;
        _splitBeforeSpaceSymbol = IsSplitBeforeSpaceSymbolSafe(vocab, merges, frozenPieces);
        if (frozenPieces is { Count: > 0 })
        {
            _frozenByFirstChar = frozenPieces
                .Where(p => p.Piece.Length > 0)
                .GroupBy(p => p.Piece[0])
                .ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.Piece.Length).ToArray());
        }
    }

    /// <summary>
    /// Cutting before a "▁" that follows another char cannot change the result when no merge rule
    /// has a left piece ending in a non-"▁" char and a right piece starting with "▁", no
    /// user-defined piece spans such a point, and "▁" itself is a piece (so UNK fusing stops there).
    /// </summary>
    private static bool IsSplitBeforeSpaceSymbolSafe(
        Dictionary<string, int> vocab,
        Dictionary<TokenPair, MergeRule> merges,
        IReadOnlyList<(string Piece, int Id)>? frozenPieces)
    {
        const char Space = TextNormalizer.SpaceSymbol;
        if (!vocab.ContainsKey(Space.ToString()))
        {
            return false;
        }

        var endsWithOther = new HashSet<int>();
        var startsWithSpace = new HashSet<int>();
        foreach (var (piece, id) in vocab)
        {
            if (piece.Length > 0 && piece[^1] != Space)
            {
                endsWithOther.Add(id);
            }

            if (piece.Length > 0 && piece[0] == Space)
            {
                startsWithSpace.Add(id);
            }
        }

        foreach (var pair in merges.Keys)
        {
            if (endsWithOther.Contains(pair.Left) && startsWithSpace.Contains(pair.Right))
            {
                return false;
            }
        }

        return frozenPieces is null || !frozenPieces.Any(p => p.Piece.AsSpan(1).Contains(Space));
    }


    /// <summary>
    /// Appends the ids of one normalized word to <paramref name="output"/>. When no merge can
    /// join a symbol ending in a non-"▁" char to one starting with "▁" (true of Llama and Mistral
    /// vocabularies, checked at load), the word is cut before each such "▁" and the pieces merged
    /// separately: the result is the same, and each heap stays a few entries deep.
    /// </summary>
    public void Encode(ReadOnlySpan<char> word, List<int> output)
    {
        if (!_splitBeforeSpaceSymbol)
        {
            EncodeChunk(word, output);
            return;
        }

        int start = 0;
        for (int i = 1; i < word.Length; i++)
        {
            if (word[i] == TextNormalizer.SpaceSymbol && word[i - 1] != TextNormalizer.SpaceSymbol)
            {
                EncodeChunk(word[start..i], output);
                start = i;
            }
        }

        EncodeChunk(word[start..], output);
    }

    private void EncodeChunk(ReadOnlySpan<char> word, List<int> output)
    {
        if (word.IsEmpty)
        {
            return;
        }

        var ws = t_workspace ??= new Workspace();
        ws.Reset(word.Length * 4 + 4);
        int count = SplitIntoSymbols(word, ws);
        if (count == 0)
        {
            return;
        }

        int[] ids = ws.Ids, prev = ws.Prev, next = ws.Next;
        for (int i = 0; i < count; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < count ? i + 1 : -1;
        }

        for (int i = 0; i + 1 < count; i++)
        {
            TryPushPair(ws, i, i + 1);
        }

        var heap = ws.Heap;
        while (heap.TryPop(out var cand))
        {
            int left = cand.Left, right = cand.Right;
            if (ids[left] != cand.LeftId || next[left] != right || ids[right] != cand.RightId)
            {
                continue; // stale: one side changed after this pair was queued
            }

            ids[left] = cand.NewId;
            int after = next[right];
            next[left] = after;
            if (after >= 0)
            {
                prev[after] = left;
            }

            ids[right] = Dead;
            if (_unused is not null && _unused[cand.NewId])
            {
                ws.RevMerge[cand.NewId] = new TokenPair(cand.LeftId, cand.RightId);
            }

            if (prev[left] >= 0)
            {
                TryPushPair(ws, prev[left], left);
            }

            if (after >= 0)
            {
                TryPushPair(ws, left, after);
            }
        }

        for (int i = 0; i >= 0; i = next[i])
        {
            if (_unused is not null)
            {
                Resegment(ids[i], output, ws.RevMerge);
            }
            else
            {
                output.Add(ids[i]);
            }
        }
    }

    private void TryPushPair(Workspace ws, int left, int right)
    {
        if (ws.Frozen[left] || ws.Frozen[right])
        {
            return;
        }

        int leftId = ws.Ids[left], rightId = ws.Ids[right];
        if (_merges.TryGetValue(new TokenPair(leftId, rightId), out var rule))
        {
            ws.Heap.Push(new MergeCandidate(((long)rule.Rank << 32) | (uint)left, left, right, leftId, rightId, rule.NewId));
        }
    }

    /// <summary>SentencePiece's ReSegment: an UNUSED piece is replaced by the pair that formed it.</summary>
    private void Resegment(int id, List<int> output, Dictionary<int, TokenPair> revMerge)
    {
        if (id >= 0 && _unused![id] && revMerge.TryGetValue(id, out var pair))
        {
            Resegment(pair.Left, output, revMerge);
            Resegment(pair.Right, output, revMerge);
            return;
        }

        output.Add(id);
    }

    private int SplitIntoSymbols(ReadOnlySpan<char> word, Workspace ws)
    {
        int count = 0;
        bool previousWasUnk = false;
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < word.Length;)
        {
            if (_frozenByFirstChar is not null && TryMatchFrozen(word[i..], out int frozenLength, out int frozenId))
            {
                ws.Frozen[count] = true;
                ws.Ids[count++] = frozenId;
                i += frozenLength;
                previousWasUnk = false;
                continue;
            }

            char c = word[i];
            int length = char.IsHighSurrogate(c) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            int id = length == 1 ? _charIds[c] : (_vocab.TryGetValue(word.Slice(i, 2), out int v) ? v : -1);
            if (id >= 0)
            {
                ws.Ids[count++] = id;
                previousWasUnk = false;
            }
            else if (_byteIds is not null)
            {
                // Lone surrogates have no UTF-8 form; they are encoded as U+FFFD like Encoding.UTF8 does.
                var rune = Rune.DecodeFromUtf16(word.Slice(i, length), out var r, out _) == System.Buffers.OperationStatus.Done
                    ? r
                    : Rune.ReplacementChar;
                int n = rune.EncodeToUtf8(utf8);
                for (int b = 0; b < n; b++)
                {
                    ws.Ids[count++] = _byteIds[utf8[b]];
                }

                previousWasUnk = false;
            }
            else if (_unkId >= 0)
            {
                if (!(previousWasUnk && _fuseUnk))
                {
                    ws.Ids[count++] = _unkId;
                }

                previousWasUnk = true;
            }

            i += length;
        }

        return count;
    }

    private bool TryMatchFrozen(ReadOnlySpan<char> text, out int length, out int id)
    {
        if (_frozenByFirstChar!.TryGetValue(text[0], out var candidates))
        {
            foreach (var (piece, pieceId) in candidates)
            {
                if (text.StartsWith(piece, StringComparison.Ordinal))
                {
                    length = piece.Length;
                    id = pieceId;
                    return true;
                }
            }
        }

        length = 0;
        id = -1;
        return false;
    }

    /// <summary>Per-thread scratch buffers, grown on demand and reused so Encode allocates nothing per call.</summary>
    private sealed class Workspace
    {
        public int[] Ids = new int[256];
        public int[] Prev = new int[256];
        public int[] Next = new int[256];
        public bool[] Frozen = new bool[256];
        public readonly MergeQueue Heap = new();
        public readonly Dictionary<int, TokenPair> RevMerge = new();

        public void Reset(int capacity)
        {
            if (Ids.Length < capacity)
            {
                int size = Math.Max(capacity, Ids.Length * 2);
                Ids = new int[size];
                Prev = new int[size];
                Next = new int[size];
                Frozen = new bool[size];
            }
            else
            {
                Array.Clear(Frozen, 0, capacity);
            }

            Heap.Clear();
            RevMerge.Clear();
        }
    }
}
