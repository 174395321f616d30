using System.Text;
using System.Text.Json;

namespace ShawBot.Engine.Tokenization;

/// <summary>
/// Reads a Hugging Face tokenizer.json with a BPE model (Llama / Mistral):
/// model {type "BPE", vocab, merges as "a b" strings or ["a", "b"] arrays, unk_token,
/// byte_fallback, fuse_unk}, added_tokens, normalizer (Sequence, Prepend, Replace, NFC/NFD/NFKC/
/// NFKD, Lowercase, Strip), pre_tokenizer (Metaspace, alone or in a Sequence), decoder
/// (Sequence, Replace, ByteFallback, Fuse, Strip, Metaspace) and post_processor
/// (TemplateProcessing, alone or in a Sequence). Anything else throws a
/// <see cref="TokenizerFormatException"/> naming the field, rather than encoding differently.
/// </summary>
internal static class HfTokenizerJsonReader
{
    public static BpeTokenizer Load(string path, TokenizerConfig config)
    {
        using var document = TokenizerConfig.ParseFile(path);
        var root = document.RootElement;
        var model = JsonReading.RequireObject(root, "model", path, "model");
        string? type = JsonReading.OptionalString(model, "type", path, "model.type");
        if (type is not null and not "BPE")
        {
            throw new TokenizerFormatException(path, "model.type", $"model type '{type}' is not supported (only BPE)");
        }

        if (JsonReading.OptionalString(model, "end_of_word_suffix", path, "model.end_of_word_suffix") is { Length: > 0 })
        {
            throw new TokenizerFormatException(path, "model.end_of_word_suffix", "not supported");
        }

        var vocab = ReadVocab(JsonReading.RequireObject(model, "vocab", path, "model.vocab"), path);
        var added = ReadAddedTokens(root, config, path);
        var merges = ReadMerges(model, vocab, path);

        int size = Math.Max(vocab.Count == 0 ? 0 : vocab.Values.Max() + 1, added.Count == 0 ? 0 : added.Max(t => t.Id) + 1);
        if (size > 2 * (vocab.Count + added.Count) + 1024)
        {
            throw new TokenizerFormatException(path, "model.vocab", $"ids up to {size - 1} for {vocab.Count + added.Count} tokens: the id space is not dense");
        }

        var pieces = new string[size];
        Array.Fill(pieces, string.Empty);
        var tokenToId = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        foreach (var (piece, id) in vocab)
        {
            pieces[id] = piece;
        }

        foreach (var token in added)
        {
            pieces[token.Id] = token.Content;
            tokenToId.TryAdd(token.Content, token.Id);
        }

        int[]? byteIds = null;
        if (JsonReading.Bool(model, "byte_fallback", false, path, "model.byte_fallback"))
        {
            // Byte fallback needs all 256 <0xXX> pieces; tokenizers checks per char, we per vocabulary.
            byteIds = new int[256];
            for (int b = 0; b < 256; b++)
            {
                if (!vocab.TryGetValue($"<0x{b:X2}>", out byteIds[b]))
                {
                    byteIds = null;
                    break;
                }
            }
        }

        string? unkToken = JsonReading.OptionalString(model, "unk_token", path, "model.unk_token");
        int unkId = unkToken is not null && vocab.TryGetValue(unkToken, out int u) ? u : -1;
        bool fuseUnk = JsonReading.Bool(model, "fuse_unk", false, path, "model.fuse_unk");
        var merger = new BpeMerger(vocab, merges, byteIds, unkId, fuseUnk);

        var normalizer = new HfTextNormalizer(
            ReadNormalizer(JsonReading.Optional(root, "normalizer"), path, "normalizer"),
            ReadPreTokenizer(JsonReading.Optional(root, "pre_tokenizer"), path, "pre_tokenizer"));
        var (templatePrefix, templateSuffix) = ReadPostProcessor(JsonReading.Optional(root, "post_processor"), tokenToId, path);

        int? Lookup(string token) => tokenToId.TryGetValue(token, out int id) ? id : null;
        var special = config.Resolve(
            path,
            Lookup,
            Lookup("<s>") ?? -1,
            Lookup("</s>") ?? -1,
            null,
            unkId,
            templatePrefix,
            templateSuffix);

        var specialFlags = new bool[size];
        foreach (var token in added)
        {
            specialFlags[token.Id] |= token.Special;
        }

        var decodeTable = ReadDecoder(JsonReading.Optional(root, "decoder"), pieces, specialFlags, path);
        return new BpeTokenizer(pieces, tokenToId, merger, normalizer, new AddedTokenMatcher(added), special, decodeTable);
    }

    private static Dictionary<string, int> ReadVocab(JsonElement vocabElement, string path)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        var seen = new HashSet<int>();
        foreach (var entry in vocabElement.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0 || !seen.Add(id))
            {
                throw new TokenizerFormatException(path, $"model.vocab[\"{entry.Name}\"]", "expected a unique non-negative id");
            }

            vocab[entry.Name] = id;
        }

        return vocab;
    }

    private static List<AddedToken> ReadAddedTokens(JsonElement root, TokenizerConfig config, string path)
    {
        var tokens = new List<AddedToken>();
        if (JsonReading.Optional(root, "added_tokens") is not null)
        {
            int i = 0;
            foreach (var element in JsonReading.Array(root, "added_tokens", path, "added_tokens"))
            {
                string field = $"added_tokens[{i++}]";
                int id = JsonReading.Int(element, "id", -1, path, field + ".id");
                if (id < 0)
                {
                    throw new TokenizerFormatException(path, field + ".id", "missing or negative");
                }

                tokens.Add(JsonReading.ReadAddedToken(element, id, path, field));
            }
        }

        // transformers also registers tokenizer_config.json's added_tokens_decoder entries.
        foreach (var token in config.AddedTokens)
        {
            if (!tokens.Any(t => t.Id == token.Id || t.Content == token.Content))
            {
                tokens.Add(token);
            }
        }

        return tokens;
    }

    /// <summary>Merge i has rank i; "a b" → vocab["ab"]. A later duplicate pair overwrites, like tokenizers' HashMap.</summary>
    private static Dictionary<TokenPair, MergeRule> ReadMerges(JsonElement model, Dictionary<string, int> vocab, string path)
    {
        var merges = new Dictionary<TokenPair, MergeRule>();
        int rank = 0;
        foreach (var element in JsonReading.Array(model, "merges", path, "model.merges"))
        {
            string field = $"model.merges[{rank}]";
            string left, right;
            if (element.ValueKind == JsonValueKind.String)
            {
                string line = element.GetString()!;
                int space = line.Length < 3 ? -1 : line.IndexOf(' ', 1);
                if (space < 0 || line.IndexOf(' ', space + 1) >= 0)
                {
                    throw new TokenizerFormatException(path, field, $"expected two tokens separated by one space, got '{line}'");
                }

                left = line[..space];
                right = line[(space + 1)..];
            }
            else if (element.ValueKind == JsonValueKind.Array && element.GetArrayLength() == 2
                && element[0].ValueKind == JsonValueKind.String && element[1].ValueKind == JsonValueKind.String)
            {
                left = element[0].GetString()!;
                right = element[1].GetString()!;
            }
            else
            {
                throw new TokenizerFormatException(path, field, "expected \"a b\" or [\"a\", \"b\"]");
            }

            if (!vocab.TryGetValue(left, out int leftId) || !vocab.TryGetValue(right, out int rightId)
                || !vocab.TryGetValue(left + right, out int newId))
            {
                throw new TokenizerFormatException(path, field, $"merge '{left}' + '{right}' uses a token that is not in model.vocab");
            }

            merges[new TokenPair(leftId, rightId)] = new MergeRule(rank++, newId);
        }

        return merges;
    }

    private static List<HfNormalizerStep> ReadNormalizer(JsonElement? element, string path, string field)
    {
        var steps = new List<HfNormalizerStep>();
        if (element is not { } e)
        {
            return steps;
        }

        string type = JsonReading.RequireString(e, "type", path, field + ".type");
        switch (type)
        {
            case "Sequence":
                int i = 0;
                foreach (var child in JsonReading.Array(e, "normalizers", path, field + ".normalizers"))
                {
                    steps.AddRange(ReadNormalizer(child, path, $"{field}.normalizers[{i++}]"));
                }

                break;
            case "Prepend":
                steps.Add(new PrependStep(JsonReading.RequireString(e, "prepend", path, field + ".prepend")));
                break;
            case "Replace":
                steps.Add(new ReplaceStep(ReadStringPattern(e, path, field), JsonReading.RequireString(e, "content", path, field + ".content")));
                break;
            case "NFC": steps.Add(new UnicodeFormStep(NormalizationForm.FormC)); break;
            case "NFD": steps.Add(new UnicodeFormStep(NormalizationForm.FormD)); break;
            case "NFKC": steps.Add(new UnicodeFormStep(NormalizationForm.FormKC)); break;
            case "NFKD": steps.Add(new UnicodeFormStep(NormalizationForm.FormKD)); break;
            case "Lowercase": steps.Add(new LowercaseStep()); break;
            case "Strip":
                steps.Add(new StripStep(
                    JsonReading.Bool(e, "strip_left", true, path, field + ".strip_left"),
                    JsonReading.Bool(e, "strip_right", true, path, field + ".strip_right")));
                break;
            default:
                throw new TokenizerFormatException(path, field + ".type", $"normalizer '{type}' is not supported");
        }

        return steps;
    }

    private static string ReadStringPattern(JsonElement e, string path, string field)
    {
        var pattern = JsonReading.RequireObject(e, "pattern", path, field + ".pattern");
        return JsonReading.OptionalString(pattern, "String", path, field + ".pattern.String")
            ?? throw new TokenizerFormatException(path, field + ".pattern", "only {\"String\": ...} patterns are supported");
    }

    private static MetaspaceOptions? ReadPreTokenizer(JsonElement? element, string path, string field)
    {
        if (element is not { } e)
        {
            return null;
        }

        string type = JsonReading.RequireString(e, "type", path, field + ".type");
        if (type == "Sequence")
        {
            MetaspaceOptions? result = null;
            int i = 0;
            foreach (var child in JsonReading.Array(e, "pretokenizers", path, field + ".pretokenizers"))
            {
                string childField = $"{field}.pretokenizers[{i++}]";
                if (result is not null)
                {
                    throw new TokenizerFormatException(path, childField, "only one Metaspace pre-tokenizer is supported");
                }

                result = ReadPreTokenizer(child, path, childField);
            }

            return result;
        }

        if (type != "Metaspace")
        {
            throw new TokenizerFormatException(path, field + ".type", $"pre-tokenizer '{type}' is not supported (only Metaspace)");
        }

        return new MetaspaceOptions(ReadReplacement(e, path, field), ReadPrependScheme(e, path, field), JsonReading.Bool(e, "split", true, path, field + ".split"));
    }

    private static char ReadReplacement(JsonElement e, string path, string field)
    {
        string replacement = JsonReading.OptionalString(e, "replacement", path, field + ".replacement") ?? "\u2581";
        return replacement.Length == 1
            ? replacement[0]
            : throw new TokenizerFormatException(path, field + ".replacement", "expected one character");
    }

    /// <summary>prepend_scheme wins; older files only have add_prefix_space (true = always, false = never).</summary>
    private static PrependScheme ReadPrependScheme(JsonElement e, string path, string field) =>
        JsonReading.OptionalString(e, "prepend_scheme", path, field + ".prepend_scheme") switch
        {
            "always" => PrependScheme.Always,
            "first" => PrependScheme.First,
            "never" => PrependScheme.Never,
            null => JsonReading.Bool(e, "add_prefix_space", true, path, field + ".add_prefix_space") ? PrependScheme.Always : PrependScheme.Never,
            var other => throw new TokenizerFormatException(path, field + ".prepend_scheme", $"unknown scheme '{other}'"),
        };

    /// <summary>TemplateProcessing "single": special token ids before and after sequence "A".</summary>
    private static (int[]? Prefix, int[]? Suffix) ReadPostProcessor(JsonElement? element, Dictionary<string, int> tokenToId, string path)
    {
        if (element is not { } e)
        {
            return (null, null);
        }

        string type = JsonReading.RequireString(e, "type", path, "post_processor.type");
        if (type == "Sequence")
        {
            foreach (var child in JsonReading.Array(e, "processors", path, "post_processor.processors"))
            {
                string childType = JsonReading.RequireString(child, "type", path, "post_processor.processors[].type");
                if (childType == "TemplateProcessing")
                {
                    return ReadPostProcessor(child, tokenToId, path);
                }

                if (childType != "ByteLevel")
                {
                    throw new TokenizerFormatException(path, "post_processor.processors[].type", $"post-processor '{childType}' is not supported");
                }
            }

            return (null, null);
        }

        if (type != "TemplateProcessing")
        {
            throw new TokenizerFormatException(path, "post_processor.type", $"post-processor '{type}' is not supported");
        }

        var specialTokens = JsonReading.Optional(e, "special_tokens");
        var prefix = new List<int>();
        var suffix = new List<int>();
        bool afterSequence = false;
        foreach (var item in JsonReading.Array(e, "single", path, "post_processor.single"))
        {
            if (JsonReading.Optional(item, "Sequence") is not null)
            {
                afterSequence = true;
                continue;
            }

            var token = JsonReading.RequireObject(item, "SpecialToken", path, "post_processor.single[].SpecialToken");
            string name = JsonReading.RequireString(token, "id", path, "post_processor.single[].SpecialToken.id");
            var ids = new List<int>();
            if (specialTokens is { } map && JsonReading.Optional(map, name) is { } entry)
            {
                foreach (var id in JsonReading.Array(entry, "ids", path, $"post_processor.special_tokens.{name}.ids"))
                {
                    ids.Add(id.TryGetInt32(out int v) ? v : throw new TokenizerFormatException(path, $"post_processor.special_tokens.{name}.ids", "expected integers"));
                }
            }
            else if (tokenToId.TryGetValue(name, out int id))
            {
                ids.Add(id);
            }
            else
            {
                throw new TokenizerFormatException(path, "post_processor.special_tokens", $"special token '{name}' has no id");
            }

            (afterSequence ? suffix : prefix).AddRange(ids);
        }

        return (prefix.ToArray(), suffix.ToArray());
    }

    private static DecodeTable ReadDecoder(JsonElement? element, string[] pieces, bool[] special, string path)
    {
        var decoders = new List<(JsonElement Element, string Field)>();
        if (element is { } e)
        {
            Flatten(e, "decoder", decoders, path);
        }

        var texts = (string[])pieces.Clone();
        var byteValues = new short[pieces.Length];
        Array.Fill(byteValues, (short)-1);
        bool fused = false;
        int stripLeading = 0;
        char stripChar = ' ';
        char? metaspaceFirst = null;
        foreach (var (d, field) in decoders)
        {
            string type = JsonReading.RequireString(d, "type", path, field + ".type");
            switch (type)
            {
                case "Replace":
                    string pattern = ReadStringPattern(d, path, field);
                    string content = JsonReading.RequireString(d, "content", path, field + ".content");
                    for (int i = 0; i < texts.Length; i++)
                    {
                        texts[i] = texts[i].Replace(pattern, content, StringComparison.Ordinal);
                    }

                    break;
                case "ByteFallback":
                    for (int i = 0; i < pieces.Length; i++)
                    {
                        byteValues[i] = (short)DecodeTable.ParseBytePiece(pieces[i]);
                    }

                    break;
                case "Fuse":
                    fused = true;
                    break;
                case "Strip":
                    string stripContent = JsonReading.RequireString(d, "content", path, field + ".content");
                    int start = JsonReading.Int(d, "start", 0, path, field + ".start");
                    if (stripContent.Length != 1 || JsonReading.Int(d, "stop", 0, path, field + ".stop") != 0 || start < 0)
                    {
                        throw new TokenizerFormatException(path, field, "only Strip of one character at the start is supported");
                    }

                    if (fused)
                    {
                        (stripLeading, stripChar) = (start, stripContent[0]);
                    }
                    else
                    {
                        // Without a Fuse before it, Strip applies to every token on its own.
                        for (int i = 0; i < texts.Length; i++)
                        {
                            int k = 0;
                            while (k < start && k < texts[i].Length && texts[i][k] == stripContent[0])
                            {
                                k++;
                            }

                            texts[i] = texts[i][k..];
                        }
                    }

                    break;
                case "Metaspace":
                    char replacement = ReadReplacement(d, path, field);
                    for (int i = 0; i < texts.Length; i++)
                    {
                        texts[i] = texts[i].Replace(replacement, ' ');
                    }

                    metaspaceFirst = ReadPrependScheme(d, path, field) == PrependScheme.Never ? null : replacement;
                    break;
                default:
                    throw new TokenizerFormatException(path, field + ".type", $"decoder '{type}' is not supported");
            }
        }

        return new DecodeTable(pieces, texts, byteValues, special, stripLeading, stripChar, metaspaceFirst);
    }

    private static void Flatten(JsonElement e, string field, List<(JsonElement, string)> output, string path)
    {
        if (JsonReading.RequireString(e, "type", path, field + ".type") != "Sequence")
        {
            output.Add((e, field));
            return;
        }

        int i = 0;
        foreach (var child in JsonReading.Array(e, "decoders", path, field + ".decoders"))
        {
            Flatten(child, $"{field}.decoders[{i++}]", output, path);
        }
    }
}
