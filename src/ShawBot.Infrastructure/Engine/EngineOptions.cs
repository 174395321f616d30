using System.ComponentModel.DataAnnotations;
using ShawBot.Engine.Generation;

namespace ShawBot.Infrastructure.Engine;

/// <summary>The language model that drafts replies (section ShawBot:Engine).</summary>
public sealed class EngineOptions
{
    public const string Section = "ShawBot:Engine";

    /// <summary>The base model these options load (folder, weight format, double quant).</summary>
    public LocalModelSpec ModelSpec() => new(ModelPath, Quantize, DoubleQuant);

    /// <summary>Hugging Face model folder (config.json, safetensors, tokenizer).</summary>
    [Required(ErrorMessage = "ShawBot:Engine:ModelPath is required: a Hugging Face model folder, e.g. Mistral-7B-Instruct-v0.2")]
    public string ModelPath { get; set; } = "";

    /// <summary>The engine drafts when a model folder is set; otherwise the stub writer does.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(ModelPath);

    /// <summary>none, nf4 or fp4: how linear weights are held (4-bit quantized while loading).</summary>
    [RegularExpression("^(none|nf4|fp4)$", ErrorMessage = "ShawBot:Engine:Quantize must be none, nf4 or fp4")]
    public string Quantize { get; set; } = "none";

    public bool DoubleQuant { get; set; } = true;

    /// <summary>
    /// auto (fast where the CPU has AVX-VNNI, else exact), fast (int8 activations and codebook for the 4-bit
    /// linears) or exact (fp32 dequantization, the reference); see KernelModes.Auto for the measurements.
    /// </summary>
    [RegularExpression("^(auto|fast|exact)$", ErrorMessage = "ShawBot:Engine:Kernels must be auto, fast or exact")]
    public string Kernels { get; set; } = "auto";

    /// <summary>An adapter to activate at start when the registry has none active (optional).</summary>
    public string? AdapterPath { get; set; }

    /// <summary>Folder with instructions.txt and template.txt; default: prompts/ beside the executable.</summary>
    public string? PromptsPath { get; set; }

    [Range(64, 32768)]
    public int ContextTokens { get; set; } = 2048;

    [Range(1, 4096)]
    public int MaxNewTokens { get; set; } = 200;

    /// <summary>End-of-sequence is not allowed before this many tokens (an empty draft helps nobody).</summary>
    [Range(0, 4096)]
    public int MinNewTokens { get; set; } = 2;

    [Range(0.0, 5.0)]
    public double Temperature { get; set; }

    [Range(0.01, 1.0)]
    public double TopP { get; set; } = 1.0;

    [Range(0, 100000)]
    public int TopK { get; set; }

    [Range(0.5, 3.0)]
    public double RepetitionPenalty { get; set; } = ShawBot.Engine.Generation.SamplingOptions.DraftRepetitionPenalty;

    public long Seed { get; set; } = 42;

    /// <summary>Voice memory: at most this many past replies to similar comments in {examples} (0 = off; a template without {examples} is off too).</summary>
    [Range(0, 32)]
    public int Examples { get; set; } = 3;

    /// <summary>Voice memory: the examples block is at most this many tokens.</summary>
    [Range(16, 8192)]
    public int ExamplesTokenBudget { get; set; } = 320;

    /// <summary>The voice-memory settings drafting and retraining share.</summary>
    public ShawBot.Engine.Retrieval.VoiceMemoryOptions VoiceMemory() => new() { Count = Examples, TokenBudget = ExamplesTokenBudget };

    /// <summary>Generation stops once the sign-off has been written.</summary>
    public string SignOff { get; set; } = Core.Options.DrafterOptions.DefaultSignOff;
}
