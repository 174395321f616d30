namespace ShawBot.Engine.Tokenization;

/// <summary>SentencePiece piece types (sentencepiece_model.proto, SentencePiece.Type).</summary>
internal enum PieceType
{
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
}

internal readonly record struct SentencePiece(string Piece, float Score, PieceType Type);

/// <summary>The fields of ModelProto that encoding depends on, with the proto defaults.</summary>
internal sealed record SentencePieceModel(
    SentencePiece[] Pieces,
    int ModelType,
    bool ByteFallback,
    bool TreatWhitespaceAsSuffix,
    int UnkId,
    int BosId,
    int EosId,
    int PadId,
    bool AddDummyPrefix,
    bool RemoveExtraWhitespaces,
    bool EscapeWhitespaces,
    int PrecompiledCharsmapLength);

/// <summary>
/// Reads a SentencePiece tokenizer.model (a serialized ModelProto) and builds the BPE tokenizer.
/// Field numbers from sentencepiece_model.proto:
///   ModelProto      1 pieces (repeated SentencePiece), 2 trainer_spec, 3 normalizer_spec
///   SentencePiece   1 piece (string), 2 score (float), 3 type (enum, default NORMAL)
///   TrainerSpec     3 model_type (1 UNIGRAM default, 2 BPE), 24 treat_whitespace_as_suffix,
///                   35 byte_fallback, 40 unk_id (0), 41 bos_id (1), 42 eos_id (2), 43 pad_id (-1)
///   NormalizerSpec  2 precompiled_charsmap, 3 add_dummy_prefix (true),
///                   4 remove_extra_whitespaces (true), 5 escape_whitespaces (true)
/// </summary>
internal static class SentencePieceModelReader
{
    public static SentencePieceModel Parse(ReadOnlySpan<byte> data, string path)
    {
        var pieces = new List<SentencePiece>();
        int modelType = 1, unkId = 0, bosId = 1, eosId = 2, padId = -1, charsmapLength = 0;
        bool byteFallback = false, suffix = false, addDummyPrefix = true, removeExtra = true, escape = true;

        var reader = new ProtobufReader(data, path, "ModelProto");
        while (reader.TryReadTag(out int field, out var wire))
        {
            switch (field)
            {
                case 1:
                    reader.Expect(wire, WireType.LengthDelimited, "pieces");
                    pieces.Add(ParsePiece(reader.ReadBytes("pieces"), path, pieces.Count));
                    break;
                case 2:
                    reader.Expect(wire, WireType.LengthDelimited, "trainer_spec");
                    var trainer = new ProtobufReader(reader.ReadBytes("trainer_spec"), path, "trainer_spec");
                    while (trainer.TryReadTag(out int f, out var w))
                    {
                        switch (f)
                        {
                            case 3: trainer.Expect(w, WireType.Varint, "model_type"); modelType = trainer.ReadInt32("model_type"); break;
                            case 24: trainer.Expect(w, WireType.Varint, "treat_whitespace_as_suffix"); suffix = trainer.ReadBool("treat_whitespace_as_suffix"); break;
                            case 35: trainer.Expect(w, WireType.Varint, "byte_fallback"); byteFallback = trainer.ReadBool("byte_fallback"); break;
                            case 40: trainer.Expect(w, WireType.Varint, "unk_id"); unkId = trainer.ReadInt32("unk_id"); break;
                            case 41: trainer.Expect(w, WireType.Varint, "bos_id"); bosId = trainer.ReadInt32("bos_id"); break;
                            case 42: trainer.Expect(w, WireType.Varint, "eos_id"); eosId = trainer.ReadInt32("eos_id"); break;
                            case 43: trainer.Expect(w, WireType.Varint, "pad_id"); padId = trainer.ReadInt32("pad_id"); break;
                            default: trainer.Skip(w, f); break;
                        }
                    }

                    break;
                case 3:
                    reader.Expect(wire, WireType.LengthDelimited, "normalizer_spec");
                    var normalizer = new ProtobufReader(reader.ReadBytes("normalizer_spec"), path, "normalizer_spec");
                    while (normalizer.TryReadTag(out int f, out var w))
                    {
                        switch (f)
                        {
                            case 2: normalizer.Expect(w, WireType.LengthDelimited, "precompiled_charsmap"); charsmapLength = normalizer.ReadBytes("precompiled_charsmap").Length; break;
                            case 3: normalizer.Expect(w, WireType.Varint, "add_dummy_prefix"); addDummyPrefix = normalizer.ReadBool("add_dummy_prefix"); break;
                            case 4: normalizer.Expect(w, WireType.Varint, "remove_extra_whitespaces"); removeExtra = normalizer.ReadBool("remove_extra_whitespaces"); break;
                            case 5: normalizer.Expect(w, WireType.Varint, "escape_whitespaces"); escape = normalizer.ReadBool("escape_whitespaces"); break;
                            default: normalizer.Skip(w, f); break;
                        }
                    }

                    break;
                default:
                    reader.Skip(wire, field);
                    break;
            }
        }

        if (pieces.Count == 0)
        {
            throw new TokenizerFormatException(path, "ModelProto.pieces", "the model has no pieces (empty or not a SentencePiece model)");
        }

        return new SentencePieceModel(
            pieces.ToArray(), modelType, byteFallback, suffix, unkId, bosId, eosId, padId, addDummyPrefix, removeExtra, escape, charsmapLength);
    }

    private static SentencePiece ParsePiece(ReadOnlySpan<byte> data, string path, int index)
    {
        string? piece = null;
        float score = 0;
        var type = PieceType.Normal;
        var reader = new ProtobufReader(data, path, $"pieces[{index}]");
        while (reader.TryReadTag(out int field, out var wire))
        {
            switch (field)
            {
                case 1: reader.Expect(wire, WireType.LengthDelimited, "piece"); piece = reader.ReadString("piece"); break;
                case 2: reader.Expect(wire, WireType.Fixed32, "score"); score = reader.ReadFloat("score"); break;
                case 3:
                    reader.Expect(wire, WireType.Varint, "type");
                    int value = reader.ReadInt32("type");
                    type = value is >= 1 and <= 6
                        ? (PieceType)value
                        : throw new TokenizerFormatException(path, $"pieces[{index}].type", $"unknown piece type {value}");
                    break;
                default: reader.Skip(wire, field); break;
            }
        }

        return new SentencePiece(
            piece ?? throw new TokenizerFormatException(path, $"pieces[{index}].piece", "missing"), score, type);
    }

    public static BpeTokenizer Load(string path, TokenizerConfig config)
    {
        byte[] data = File.ReadAllBytes(path);
        var model = Parse(data, path);
        if (model.ModelType != 2)
        {
            throw new TokenizerFormatException(path, "trainer_spec.model_type", $"model type {model.ModelType} is not supported (only 2 = BPE)");
        }

        if (model.TreatWhitespaceAsSuffix)
        {
            throw new TokenizerFormatException(path, "trainer_spec.treat_whitespace_as_suffix", "not supported");
        }

        if (model.PrecompiledCharsmapLength > 0)
        {
            throw new TokenizerFormatException(path, "normalizer_spec.precompiled_charsmap", "only the identity normalizer is supported");
        }

        var pieces = model.Pieces;
        int n = pieces.Length;
        var names = new string[n];
        var tokenToId = new Dictionary<string, int>(n, StringComparer.Ordinal);
        var mergeable = new Dictionary<string, int>(n, StringComparer.Ordinal);
        var unused = new bool[n];
        var special = new bool[n];
        var frozen = new List<(string, int)>();
        var added = new List<AddedToken>();
        int unkId = -1;
        for (int id = 0; id < n; id++)
        {
            var (piece, _, type) = pieces[id];
            names[id] = piece;
            if (!tokenToId.TryAdd(piece, id))
            {
                throw new TokenizerFormatException(path, $"pieces[{id}].piece", $"duplicate piece '{piece}'");
            }

            switch (type)
            {
                case PieceType.Normal or PieceType.UserDefined or PieceType.Unused:
                    mergeable[piece] = id;
                    unused[id] = type == PieceType.Unused;
                    if (type == PieceType.UserDefined)
                    {
                        frozen.Add((piece, id));
                    }

                    break;
                case PieceType.Control or PieceType.Unknown:
                    // Matched in the text like transformers' LlamaTokenizer (its added_tokens_decoder).
                    special[id] = true;
                    added.Add(new AddedToken(id, piece, Special: true));
                    unkId = type == PieceType.Unknown && unkId < 0 ? id : unkId;
                    break;
            }
        }

        foreach (var token in config.AddedTokens)
        {
            if (token.Id < n && !added.Any(t => t.Id == token.Id))
            {
                added.Add(token);
                special[token.Id] |= token.Special;
            }
        }

        CheckId(model.UnkId, n, path, "trainer_spec.unk_id");
        CheckId(model.BosId, n, path, "trainer_spec.bos_id");
        CheckId(model.EosId, n, path, "trainer_spec.eos_id");
        CheckId(model.PadId, n, path, "trainer_spec.pad_id");
        unkId = unkId >= 0 ? unkId : model.UnkId;

        var byteValues = new short[n];
        Array.Fill(byteValues, (short)-1);
        int[]? byteIds = model.ByteFallback ? new int[256] : null;
        byteIds?.AsSpan().Fill(-1);
        for (int id = 0; id < n; id++)
        {
            if (pieces[id].Type == PieceType.Byte)
            {
                int b = DecodeTable.ParseBytePiece(pieces[id].Piece);
                byteValues[id] = b >= 0 ? (short)b : throw new TokenizerFormatException(path, $"pieces[{id}].piece", "BYTE piece is not of the form <0xXX>");
                if (byteIds is not null)
                {
                    byteIds[b] = id;
                }
            }
        }

        if (byteIds is not null && byteIds.Contains(-1))
        {
            throw new TokenizerFormatException(path, "trainer_spec.byte_fallback", "byte fallback is on but not all 256 <0xXX> pieces exist");
        }

        var merger = new BpeMerger(mergeable, BuildMerges(pieces, mergeable), byteIds, unkId, fuseUnk: true, unused.Contains(true) ? unused : null, frozen);
        var normalizer = new SentencePieceNormalizer(model.AddDummyPrefix, model.RemoveExtraWhitespaces, model.EscapeWhitespaces);
        var texts = new string[n];
        for (int id = 0; id < n; id++)
        {
            texts[id] = names[id].Replace(TextNormalizer.SpaceSymbol, ' ');
        }

        // SentencePiece drops the dummy prefix's space at the start of the decoded text.
        var decodeTable = new DecodeTable(names, texts, byteValues, special, model.AddDummyPrefix ? 1 : 0, ' ', null);
        int? Lookup(string token) => tokenToId.TryGetValue(token, out int id) ? id : null;
        var specialIds = config.Resolve(path, Lookup, model.BosId, model.EosId, model.PadId >= 0 ? model.PadId : null, unkId, null, null);
        return new BpeTokenizer(names, tokenToId, merger, normalizer, new AddedTokenMatcher(added), specialIds, decodeTable);
    }

    /// <summary>
    /// SentencePiece BPE merges the adjacent pair whose concatenation is the highest-scoring piece,
    /// leftmost first among equal scores (bpe_model.cc). Every way to split a piece into two
    /// pieces is such a pair; ranks are dense ranks of the score, highest first, so equal scores
    /// share a rank and the merger's (rank, position) order is exactly SentencePiece's.
    /// </summary>
    private static Dictionary<TokenPair, MergeRule> BuildMerges(SentencePiece[] pieces, Dictionary<string, int> mergeable)
    {
        var rankOfScore = mergeable.Values
            .Select(id => pieces[id].Score)
            .Distinct()
            .OrderByDescending(s => s)
            .Select((score, rank) => (score, rank))
            .ToDictionary(x => x.score, x => x.rank);
        var lookup = mergeable.GetAlternateLookup<ReadOnlySpan<char>>();
        var merges = new Dictionary<TokenPair, MergeRule>();
        foreach (var (piece, id) in mergeable)
        {
            for (int k = 1; k < piece.Length; k++)
            {
                if (char.IsLowSurrogate(piece[k]) && char.IsHighSurrogate(piece[k - 1]))
                {
                    continue;
                }

                if (lookup.TryGetValue(piece.AsSpan(0, k), out int left) && lookup.TryGetValue(piece.AsSpan(k), out int right))
                {
                    merges[new TokenPair(left, right)] = new MergeRule(rankOfScore[pieces[id].Score], id);
                }
            }
        }

        return merges;
    }

    private static void CheckId(int id, int count, string path, string field)
    {
        if (id >= count || id < -1)
        {
            throw new TokenizerFormatException(path, field, $"id {id} is outside the {count} pieces");
        }
    }
}
