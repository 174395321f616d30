namespace ShawBot.Engine.Model;

/// <summary>
/// The bitsandbytes 4-bit settings of a config.json "quantization_config"
/// (transformers' BitsAndBytesConfig): quant_method "bitsandbytes", load_in_4bit,
/// bnb_4bit_quant_type "nf4" | "fp4", bnb_4bit_use_double_quant, bnb_4bit_compute_dtype.
/// </summary>
public sealed record QuantizationConfig
{
    public string QuantMethod { get; init; } = "bitsandbytes";
    public bool LoadIn4Bit { get; init; } = true;

    /// <summary>"nf4" or "fp4".</summary>
    public string QuantType { get; init; } = "nf4";

    public bool UseDoubleQuant { get; init; }

    /// <summary>torch dtype name without "torch.", e.g. "bfloat16" or "float32".</summary>
    public string ComputeDtype { get; init; } = "float32";

    /// <summary>Modules kept in 16/32-bit (llm_int8_skip_modules), e.g. ["lm_head"].</summary>
    public IReadOnlyList<string> SkipModules { get; init; } = [];
}
