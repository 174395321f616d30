using System.CommandLine;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Kernels;
using ShawBot.Engine.Model;

namespace ShawBot.Cli.Commands;

/// <summary>Options several commands share, and where to find prompts/.</summary>
internal static class CommonOptions
{
    public static Option<DirectoryInfo> Model(bool required = true) => new("--model")
    {
        Description = "Hugging Face model folder: config.json, *.safetensors (or shards + index), tokenizer.json or tokenizer.model",
        Required = required,
    };

    public static Option<DirectoryInfo?> Adapter() => new("--adapter") { Description = "PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors)" };

    public static Option<DirectoryInfo?> Prompts() => new("--prompts")
    {
        Description = "folder with instructions.txt and template.txt (default: ./prompts, else the one shipped with shawbot)",
    };

    public static Option<string> Quantize() => new Option<string>("--quantize")
    {
        Description = "hold linear weights as: none (fp32), nf4 or fp4 (bitsandbytes 4-bit, quantized while loading)",
        DefaultValueFactory = _ => "none",
    }.AcceptOnlyFromAmong([.. WeightFormatNames.All]);

    /// <summary>--kernels: auto (fast where the CPU has AVX-VNNI), fast (int8 fast path for 4-bit weights) or exact (fp32 dequantization, the reference).</summary>
    public static Option<string> Kernels(string defaultValue) => new Option<string>("--kernels")
    {
        Description = "4-bit linears at inference: auto (fast where the CPU has AVX-VNNI, else exact), fast (int8 activations and codebook) or exact (fp32 dequantization, the reference)",
        DefaultValueFactory = _ => defaultValue,
    }.AcceptOnlyFromAmong(KernelModes.Names);

    /// <summary>--double-quant: with --quantize nf4/fp4, also quantize the per-block scales to 8 bits (bitsandbytes' bnb_4bit_use_double_quant).</summary>
    public static Option<bool> DoubleQuant() => new("--double-quant")
    {
        Description = "with --quantize nf4/fp4: also quantize the per-block scales to 8 bits (≈ 0.37 bit per weight saved); --double-quant false keeps fp32 scales",
        DefaultValueFactory = _ => true,
    };

    /// <summary>The prompts of --prompts, else the folder <see cref="PromptTemplate.Locate"/> finds.</summary>
    public static PromptTemplate LoadPrompts(DirectoryInfo? dir) => PromptTemplate.Load(PromptTemplate.Locate(dir?.FullName));

    /// <summary>The model of --model with --quantize, --double-quant and (when the command has it) --adapter, loaded as the service loads it.</summary>
    public static LocalModel LoadModel(ParseResult pr, Option<DirectoryInfo> model, Option<string> quantize, Option<bool> doubleQuant, Option<DirectoryInfo?>? adapter = null)
        => LocalModel.Load(new LocalModelSpec(pr.GetValue(model)!.FullName, pr.GetValue(quantize)!, pr.GetValue(doubleQuant), adapter is null ? null : pr.GetValue(adapter)?.FullName));

    /// <summary>The exception's message for a person: without the " (Parameter 'x')" that ArgumentException appends.</summary>
    public static string PlainMessage(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var message = e.Message;
        if (e is ArgumentException { ParamName: { } name })
        {
            var suffix = $" (Parameter '{name}')";
            var at = message.IndexOf(suffix, StringComparison.Ordinal);
            if (at >= 0)
            {
                message = message.Remove(at, suffix.Length);
            }
        }

        return message.ReplaceLineEndings(" ");
    }

    /// <summary>Runs a command body, turning expected failures (bad files, bad options) into one red line and exit code 1.</summary>
    public static async Task<int> Guard(Func<Task<int>> body)
    {
        try { return await body(); }
        catch (OperationCanceledException) { Console.Error.WriteLine("cancelled"); return 130; }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or ArgumentException
                                       or UnauthorizedAccessException or NotSupportedException or KeyNotFoundException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {PlainMessage(e)}");
            return 1;
        }
    }
}
