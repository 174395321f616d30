using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;
using ShawBot.Engine.Tokenization;

namespace ShawBot.Engine.Generation;

/// <summary>Where a model comes from: its folder, how to hold its weights, and an optional adapter.</summary>
/// <param name="ModelPath">Hugging Face model folder (config.json, safetensors, tokenizer).</param>
/// <param name="Quantize">A <see cref="WeightFormatNames"/> name: none, nf4 or fp4.</param>
/// <param name="DoubleQuant">With nf4/fp4, 8-bit per-block scales.</param>
/// <param name="AdapterPath">A PEFT adapter folder to load with the model, or null.</param>
public sealed record LocalModelSpec(string ModelPath, string Quantize = "none", bool DoubleQuant = true, string? AdapterPath = null);

/// <summary>
/// A base model with its tokenizer (and an adapter when asked), loaded the one way every command
/// and the service load them. Owns the model's memory.
/// </summary>
public sealed class LocalModel : IDisposable
{
    private LocalModel(LlamaModel model, ITokenizer tokenizer, LoraAdapter? adapter, string name, TimeSpan loadTime)
    {
        Model = model; Tokenizer = tokenizer; Adapter = adapter; Name = name; LoadTime = loadTime;
    }

    public LlamaModel Model { get; }
    public ITokenizer Tokenizer { get; }
    /// <summary>The adapter of <see cref="LocalModelSpec.AdapterPath"/>, named after its folder; null without one.</summary>
    public LoraAdapter? Adapter { get; }
    /// <summary>Model label recorded with drafts and adapters: the folder name, plus "-nf4"/"-fp4" when quantized while loading.</summary>
    public string Name { get; }
    public TimeSpan LoadTime { get; }

    public static LocalModel Load(LocalModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!Directory.Exists(spec.ModelPath)) throw new DirectoryNotFoundException($"model folder not found: {spec.ModelPath}");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var format = WeightFormatNames.Parse(spec.Quantize);
        // The tokenizer (a 2 MB tokenizer.json for Mistral's) is read on another core while the weights load.
        var tokenizerLoad = Task.Run(() => TokenizerLoader.Load(spec.ModelPath));
        LlamaModel model;
        try
        {
            model = ModelLoader.Load(spec.ModelPath, new ModelLoadOptions { Quantize = format, DoubleQuant = spec.DoubleQuant });
        }
        catch
        {
            // The weights' error is the one to report; the tokenizer's, if any, is observed and dropped.
            _ = tokenizerLoad.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }

        try
        {
            var tokenizer = tokenizerLoad.GetAwaiter().GetResult();
            var adapter = spec.AdapterPath is { Length: > 0 } ap ? PeftAdapterFiles.Load(ap, model.Config) : null;
            string name = FolderName(spec.ModelPath) + (format == WeightFormat.Float32 ? "" : "-" + spec.Quantize);
            return new LocalModel(model, tokenizer, adapter, name, sw.Elapsed);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The last segment of a folder path, with or without a trailing separator.</summary>
    public static string FolderName(string path) => Path.GetFileName(Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar));

    public void Dispose() => Model.Dispose();
}
