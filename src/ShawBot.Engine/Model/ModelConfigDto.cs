using System.Text.Json;
using System.Text.Json.Serialization;

namespace ShawBot.Engine.Model;

/// <summary>
/// config.json exactly as Hugging Face writes it (snake_case keys, everything optional).
/// Only <see cref="ModelConfig.Parse"/> reads it; the engine uses the validated record.
/// </summary>
internal sealed class ModelConfigDto
{
    [JsonPropertyName("architectures")] public List<string>? Architectures { get; set; }
    [JsonPropertyName("model_type")] public string? ModelType { get; set; }
    [JsonPropertyName("hidden_size")] public int? HiddenSize { get; set; }
    [JsonPropertyName("intermediate_size")] public int? IntermediateSize { get; set; }
    [JsonPropertyName("num_hidden_layers")] public int? NumHiddenLayers { get; set; }
    [JsonPropertyName("num_attention_heads")] public int? NumAttentionHeads { get; set; }
    [JsonPropertyName("num_key_value_heads")] public int? NumKeyValueHeads { get; set; }
    [JsonPropertyName("head_dim")] public int? HeadDim { get; set; }
    [JsonPropertyName("vocab_size")] public int? VocabSize { get; set; }
    [JsonPropertyName("max_position_embeddings")] public int? MaxPositionEmbeddings { get; set; }
    [JsonPropertyName("rope_theta")] public double? RopeTheta { get; set; }
    [JsonPropertyName("rms_norm_eps")] public double? RmsNormEps { get; set; }
    [JsonPropertyName("tie_word_embeddings")] public bool? TieWordEmbeddings { get; set; }
    [JsonPropertyName("hidden_act")] public string? HiddenAct { get; set; }
    [JsonPropertyName("bos_token_id")] public int? BosTokenId { get; set; }

    /// <summary>An int or a list of ints in Hugging Face configs.</summary>
    [JsonPropertyName("eos_token_id")] public JsonElement? EosTokenId { get; set; }

    [JsonPropertyName("sliding_window")] public int? SlidingWindow { get; set; }
    [JsonPropertyName("torch_dtype")] public string? TorchDtype { get; set; }
    [JsonPropertyName("quantization_config")] public QuantizationConfigDto? QuantizationConfig { get; set; }
}

/// <summary>transformers' BitsAndBytesConfig.to_dict() (the keys we use).</summary>
internal sealed class QuantizationConfigDto
{
    [JsonPropertyName("quant_method")] public string? QuantMethod { get; set; }
    [JsonPropertyName("load_in_4bit")] public bool? LoadIn4Bit { get; set; }
    [JsonPropertyName("_load_in_4bit")] public bool? LoadIn4BitPrivate { get; set; }
    [JsonPropertyName("load_in_8bit")] public bool? LoadIn8Bit { get; set; }
    [JsonPropertyName("bnb_4bit_quant_type")] public string? Bnb4BitQuantType { get; set; }
    [JsonPropertyName("bnb_4bit_use_double_quant")] public bool? Bnb4BitUseDoubleQuant { get; set; }
    [JsonPropertyName("bnb_4bit_compute_dtype")] public string? Bnb4BitComputeDtype { get; set; }
    [JsonPropertyName("bnb_4bit_quant_storage")] public string? Bnb4BitQuantStorage { get; set; }
    [JsonPropertyName("llm_int8_skip_modules")] public List<string>? LlmInt8SkipModules { get; set; }
}
