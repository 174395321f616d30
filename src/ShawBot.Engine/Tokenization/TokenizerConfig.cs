using System.Text.Json;

namespace ShawBot.Engine.Tokenization;

/// <summary>
/// The parts of tokenizer_config.json and special_tokens_map.json that affect encoding:
/// add_bos_token / add_eos_token, the special token strings (either "&lt;s&gt;" or
/// {"content": "&lt;s&gt;", ...}) and added_tokens_decoder. tokenizer_config.json wins over
/// special_tokens_map.json. Null means "not given".
/// </summary>
internal sealed record TokenizerConfig(
    bool? AddBos,
    bool? AddEos,
    string? BosToken,
    string? EosToken,
    string? UnkToken,
    string? PadToken,
    IReadOnlyList<AddedToken> AddedTokens)
{
    public static TokenizerConfig Empty { get; } = new(null, null, null, null, null, null, []);

    /// <summary>Reads the optional config files of a model folder.</summary>
    public static TokenizerConfig Read(string folder)
    {
        string configPath = Path.Combine(folder, "tokenizer_config.json");
        string mapPath = Path.Combine(folder, "special_tokens_map.json");
        using var config = File.Exists(configPath) ? ParseFile(configPath) : null;
        using var map = File.Exists(mapPath) ? ParseFile(mapPath) : null;
        var c = config?.RootElement;
        var m = map?.RootElement;

        string? Token(string name) =>
            (c is { } ce ? ReadTokenString(ce, name, configPath) : null)
            ?? (m is { } me ? ReadTokenString(me, name, mapPath) : null);

        return new TokenizerConfig(
            c is { } a ? ReadOptionalBool(a, "add_bos_token", configPath) : null,
            c is { } b ? ReadOptionalBool(b, "add_eos_token", configPath) : null,
            Token("bos_token"),
            Token("eos_token"),
            Token("unk_token"),
            Token("pad_token"),
            c is { } d ? ReadAddedTokensDecoder(d, configPath) : []);
    }

    /// <summary>
    /// Resolves BOS/EOS/PAD/UNK ids and the BOS/EOS wrapping. Config flags win; without them the
    /// tokenizer.json post-processor template decides, and without a template BOS only, when the
    /// vocabulary has one (the LlamaTokenizer defaults add_bos_token=true, add_eos_token=false).
    /// A flag that asks for a token the vocabulary lacks is an error.
    /// </summary>
    public SpecialTokenIds Resolve(
        string filePath,
        Func<string, int?> lookup,
        int defaultBos,
        int defaultEos,
        int? defaultPad,
        int defaultUnk,
        int[]? templatePrefix,
        int[]? templateSuffix)
    {
        int IdOf(string? token, int fallback, string field) =>
            token is null ? fallback
            : lookup(token) ?? throw new TokenizerFormatException(filePath, field, $"special token '{token}' is not in the vocabulary");

        int bos = IdOf(BosToken, defaultBos, "bos_token");
        int eos = IdOf(EosToken, defaultEos, "eos_token");
        int unk = IdOf(UnkToken, defaultUnk, "unk_token");
        int? pad = PadToken is null ? defaultPad : IdOf(PadToken, -1, "pad_token");

        bool useTemplate = AddBos is null && AddEos is null && templatePrefix is not null;
        bool addBos = AddBos ?? (templatePrefix is null ? bos >= 0 : templatePrefix.Contains(bos));
        bool addEos = AddEos ?? (templateSuffix is not null && templateSuffix.Contains(eos));
        int[] prefix = useTemplate ? templatePrefix! : addBos ? [bos] : [];
        int[] suffix = useTemplate ? templateSuffix ?? [] : addEos ? [eos] : [];
        if (prefix.Concat(suffix).Any(id => id < 0))
        {
            throw new TokenizerFormatException(filePath, addBos ? "bos_token" : "eos_token", "BOS/EOS must be added but has no id");
        }

        return new SpecialTokenIds(bos, eos, pad, unk, addBos, addEos, prefix, suffix);
    }

    internal static JsonDocument ParseFile(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException(path, "$", "not valid JSON: " + e.Message, e);
        }
    }

    private static bool? ReadOptionalBool(JsonElement root, string name, string path)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new TokenizerFormatException(path, name, "expected true or false"),
        };
    }

    private static string? ReadTokenString(JsonElement root, string name, string path)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object when value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
                => content.GetString(),
            _ => throw new TokenizerFormatException(path, name, "expected a string or an object with \"content\""),
        };
    }

    private static List<AddedToken> ReadAddedTokensDecoder(JsonElement root, string path)
    {
        var tokens = new List<AddedToken>();
        if (!root.TryGetProperty("added_tokens_decoder", out var decoder) || decoder.ValueKind != JsonValueKind.Object)
        {
            return tokens;
        }

        foreach (var entry in decoder.EnumerateObject())
        {
            string field = "added_tokens_decoder." + entry.Name;
            if (!int.TryParse(entry.Name, out int id) || id < 0 || entry.Value.ValueKind != JsonValueKind.Object)
            {
                throw new TokenizerFormatException(path, field, "expected a non-negative id mapping to an object");
            }

            tokens.Add(JsonReading.ReadAddedToken(entry.Value, id, path, field));
        }

        return tokens;
    }
}
