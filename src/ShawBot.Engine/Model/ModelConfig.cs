using System.Text;
using System.Text.Json;

namespace ShawBot.Engine.Model;

/// <summary>
/// The validated shape of a Llama / Mistral decoder, built from a Hugging Face config.json in
/// two steps (candle's into_config): JSON -&gt; <see cref="ModelConfigDto"/> -&gt; this record.
/// Defaults follow transformers: head_dim = hidden_size / num_attention_heads,
/// num_key_value_heads = num_attention_heads, rope_theta = 10000, rms_norm_eps = 1e-6,
/// tie_word_embeddings = false, max_position_embeddings = 2048.
/// Note: the list properties compare by reference in record equality; compare ToJson() to
/// compare two configs by value.
/// </summary>
public sealed record ModelConfig
{
    public required string ModelType { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumLayers { get; init; }
    public required int NumHeads { get; init; }
    public required int NumKvHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int VocabSize { get; init; }
    public required int MaxPositionEmbeddings { get; init; }
    public required double RopeTheta { get; init; }
    public required double RmsNormEps { get; init; }
    public required bool TieWordEmbeddings { get; init; }
    public int BosTokenId { get; init; } = 1;

    /// <summary>The first of <see cref="EosTokenIds"/>.</summary>
    public int EosTokenId { get; init; } = 2;

    /// <summary>All end-of-sequence ids (eos_token_id may be an int or a list).</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [2];

    public int? SlidingWindow { get; init; }

    /// <summary>torch_dtype as written ("float32", "bfloat16", "float16").</summary>
    public string TorchDtype { get; init; } = "float32";

    public QuantizationConfig? Quantization { get; init; }

    /// <summary>Query heads per key/value head (grouped-query attention).</summary>
    public int KvGroupSize => NumHeads / NumKvHeads;

    public static ModelConfig Load(string configJsonPath)
    {
        string json;
        try
        {
            json = File.ReadAllText(configJsonPath, Encoding.UTF8);
        }
        catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ModelConfigException(configJsonPath, null, "the file does not exist", e);
        }
        return Parse(json, configJsonPath);
    }

    public static ModelConfig Parse(string json, string sourceName)
    {
        ModelConfigDto? dto;
        try
        {
            dto = JsonSerializer.Deserialize<ModelConfigDto>(json, new JsonSerializerOptions { AllowTrailingCommas = false });
        }
        catch (JsonException e)
        {
            string? field = e.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : null;
            throw new ModelConfigException(sourceName, field, $"invalid JSON or a value of the wrong type ({e.Message})", e);
        }
        if (dto is null) throw new ModelConfigException(sourceName, null, "the JSON is null");
        return FromDto(dto, sourceName);
    }

    private static ModelConfig FromDto(ModelConfigDto d, string src)
    {
        string modelType = d.ModelType ?? throw new ModelConfigException(src, "model_type", "is missing");
        if (modelType is not ("llama" or "mistral"))
            throw new ModelConfigException(src, "model_type", $"'{modelType}' is not supported (llama or mistral)");
        if (d.HiddenAct is not null && d.HiddenAct != "silu")
            throw new ModelConfigException(src, "hidden_act", $"'{d.HiddenAct}' is not supported (silu)");

        int hidden = Positive(src, "hidden_size", d.HiddenSize);
        int inter = Positive(src, "intermediate_size", d.IntermediateSize);
        int layers = Positive(src, "num_hidden_layers", d.NumHiddenLayers);
        int heads = Positive(src, "num_attention_heads", d.NumAttentionHeads);
        int vocab = Positive(src, "vocab_size", d.VocabSize);
        int kvHeads = d.NumKeyValueHeads is null ? heads : Positive(src, "num_key_value_heads", d.NumKeyValueHeads);
        if (heads % kvHeads != 0)
            throw new ModelConfigException(src, "num_key_value_heads", $"num_attention_heads {heads} is not a multiple of num_key_value_heads {kvHeads}");

        int headDim;
        if (d.HeadDim is null)
        {
            if (hidden % heads != 0)
                throw new ModelConfigException(src, "head_dim", $"is absent and hidden_size {hidden} is not divisible by num_attention_heads {heads}");
            headDim = hidden / heads;
        }
        else
        {
            headDim = Positive(src, "head_dim", d.HeadDim);
        }
        if (headDim % 2 != 0)
            throw new ModelConfigException(src, "head_dim", $"{headDim} is odd; rotary embeddings rotate pairs of dimensions");

        int maxPos = d.MaxPositionEmbeddings is null ? 2048 : Positive(src, "max_position_embeddings", d.MaxPositionEmbeddings);
        double theta = d.RopeTheta ?? 10000.0;
        if (!(theta > 0) || double.IsInfinity(theta))
            throw new ModelConfigException(src, "rope_theta", $"{theta} must be positive and finite");
        double eps = d.RmsNormEps ?? 1e-6;
        if (!(eps > 0) || double.IsInfinity(eps))
            throw new ModelConfigException(src, "rms_norm_eps", $"{eps} must be positive and finite");
        if (d.SlidingWindow is <= 0)
            throw new ModelConfigException(src, "sliding_window", $"{d.SlidingWindow} must be positive or null");

        IReadOnlyList<int> eos = ParseEos(src, d.EosTokenId, vocab);
        int bos = d.BosTokenId ?? 1;
        if (bos < 0 || bos >= vocab)
            throw new ModelConfigException(src, "bos_token_id", $"{bos} is outside the vocabulary of {vocab}");

        string dtype = d.TorchDtype ?? "float32";
        if (dtype is not ("float32" or "bfloat16" or "float16"))
            throw new ModelConfigException(src, "torch_dtype", $"'{dtype}' is not float32, bfloat16 or float16");

        return new ModelConfig
        {
            ModelType = modelType,
            HiddenSize = hidden,
            IntermediateSize = inter,
            NumLayers = layers,
            NumHeads = heads,
            NumKvHeads = kvHeads,
            HeadDim = headDim,
            VocabSize = vocab,
            MaxPositionEmbeddings = maxPos,
            RopeTheta = theta,
            RmsNormEps = eps,
            TieWordEmbeddings = d.TieWordEmbeddings ?? false,
            BosTokenId = bos,
            EosTokenId = eos[0],
            EosTokenIds = eos,
            SlidingWindow = d.SlidingWindow,
            TorchDtype = dtype,
            Quantization = d.QuantizationConfig is null ? null : ParseQuantization(src, d.QuantizationConfig),
        };
    }

    private static int Positive(string src, string field, int? value)
    {
        if (value is null) throw new ModelConfigException(src, field, "is missing");
        if (value <= 0) throw new ModelConfigException(src, field, $"{value} must be positive");
        return value.Value;
    }

    private static IReadOnlyList<int> ParseEos(string src, JsonElement? el, int vocab)
    {
        var ids = new List<int>();
        if (el is null || el.Value.ValueKind == JsonValueKind.Null)
        {
            ids.Add(2);
        }
        else if (el.Value.ValueKind == JsonValueKind.Number && el.Value.TryGetInt32(out int one))
        {
            ids.Add(one);
        }
        else if (el.Value.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement x in el.Value.EnumerateArray())
            {
                if (x.ValueKind != JsonValueKind.Number || !x.TryGetInt32(out int id))
                    throw new ModelConfigException(src, "eos_token_id", $"list item {x.GetRawText()} is not an integer");
                ids.Add(id);
            }
            if (ids.Count == 0) throw new ModelConfigException(src, "eos_token_id", "is an empty list");
        }
        else
        {
            throw new ModelConfigException(src, "eos_token_id", $"must be an integer or a list of integers, found {el.Value.GetRawText()}");
        }
        foreach (int id in ids)
        {
            if (id < 0 || id >= vocab)
                throw new ModelConfigException(src, "eos_token_id", $"{id} is outside the vocabulary of {vocab}");
        }
        return ids.AsReadOnly();
    }

    private static QuantizationConfig ParseQuantization(string src, QuantizationConfigDto q)
    {
        string method = q.QuantMethod ?? "bitsandbytes";
        if (method != "bitsandbytes")
            throw new ModelConfigException(src, "quantization_config.quant_method", $"'{method}' is not supported (bitsandbytes)");
        bool in4 = q.LoadIn4Bit ?? q.LoadIn4BitPrivate ?? false;
        if (!in4)
            throw new ModelConfigException(src, "quantization_config.load_in_4bit", "only 4-bit bitsandbytes checkpoints are supported");
        string type = q.Bnb4BitQuantType ?? "fp4"; // transformers' BitsAndBytesConfig default
        if (type is not ("nf4" or "fp4"))
            throw new ModelConfigException(src, "quantization_config.bnb_4bit_quant_type", $"'{type}' is not nf4 or fp4");
        string compute = q.Bnb4BitComputeDtype ?? "float32";
        if (compute is not ("float32" or "bfloat16" or "float16"))
            throw new ModelConfigException(src, "quantization_config.bnb_4bit_compute_dtype", $"'{compute}' is not float32, bfloat16 or float16");
        if (q.Bnb4BitQuantStorage is not (null or "uint8"))
            throw new ModelConfigException(src, "quantization_config.bnb_4bit_quant_storage", $"'{q.Bnb4BitQuantStorage}' is not supported (uint8)");
        return new QuantizationConfig
        {
            QuantMethod = method,
            LoadIn4Bit = true,
            QuantType = type,
            UseDoubleQuant = q.Bnb4BitUseDoubleQuant ?? false,
            ComputeDtype = compute,
            SkipModules = (q.LlmInt8SkipModules ?? []).AsReadOnly(),
        };
    }

    /// <summary>
    /// A Hugging Face config.json for this model (snake_case keys, the same values);
    /// Parse(ToJson()) gives back an equal config.
    /// </summary>
    public string ToJson()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("architectures");
            w.WriteStringValue(ModelType == "mistral" ? "MistralForCausalLM" : "LlamaForCausalLM");
            w.WriteEndArray();
            w.WriteString("model_type", ModelType);
            w.WriteNumber("hidden_size", HiddenSize);
            w.WriteNumber("intermediate_size", IntermediateSize);
            w.WriteNumber("num_hidden_layers", NumLayers);
            w.WriteNumber("num_attention_heads", NumHeads);
            w.WriteNumber("num_key_value_heads", NumKvHeads);
            w.WriteNumber("head_dim", HeadDim);
            w.WriteNumber("vocab_size", VocabSize);
            w.WriteNumber("rope_theta", RopeTheta);
            w.WriteNumber("rms_norm_eps", RmsNormEps);
            w.WriteNumber("max_position_embeddings", MaxPositionEmbeddings);
            w.WriteBoolean("tie_word_embeddings", TieWordEmbeddings);
            w.WriteString("hidden_act", "silu");
            w.WriteNumber("bos_token_id", BosTokenId);
            if (EosTokenIds.Count == 1)
            {
                w.WriteNumber("eos_token_id", EosTokenIds[0]);
            }
            else
            {
                w.WriteStartArray("eos_token_id");
                foreach (int id in EosTokenIds) w.WriteNumberValue(id);
                w.WriteEndArray();
            }
            w.WriteString("torch_dtype", TorchDtype);
            if (SlidingWindow is int sw) w.WriteNumber("sliding_window", sw);
            else if (ModelType == "mistral") w.WriteNull("sliding_window");
            if (Quantization is { } q)
            {
                // The keys transformers' BitsAndBytesConfig.to_dict() writes.
                w.WriteStartObject("quantization_config");
                w.WriteString("quant_method", q.QuantMethod);
                w.WriteBoolean("_load_in_4bit", q.LoadIn4Bit);
                w.WriteBoolean("_load_in_8bit", false);
                w.WriteBoolean("load_in_4bit", q.LoadIn4Bit);
                w.WriteBoolean("load_in_8bit", false);
                w.WriteString("bnb_4bit_quant_type", q.QuantType);
                w.WriteBoolean("bnb_4bit_use_double_quant", q.UseDoubleQuant);
                w.WriteString("bnb_4bit_compute_dtype", q.ComputeDtype);
                w.WriteString("bnb_4bit_quant_storage", "uint8");
                w.WriteBoolean("llm_int8_enable_fp32_cpu_offload", false);
                w.WriteBoolean("llm_int8_has_fp16_weight", false);
                if (q.SkipModules.Count == 0)
                {
                    w.WriteNull("llm_int8_skip_modules");
                }
                else
                {
                    w.WriteStartArray("llm_int8_skip_modules");
                    foreach (string m in q.SkipModules) w.WriteStringValue(m);
                    w.WriteEndArray();
                }
                w.WriteNumber("llm_int8_threshold", 6.0);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length);
    }
}
