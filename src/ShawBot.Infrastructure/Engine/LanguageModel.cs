using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Kernels;
using ShawBot.Engine.Model;
using ShawBot.Engine.Tokenization;
using ShawBot.Infrastructure.Retraining;

namespace ShawBot.Infrastructure.Engine;

/// <summary>
/// The loaded base model with its tokenizer, prompt template and adapter set: one per process,
/// loaded once (the base is never reloaded; adapters swap in <see cref="Adapters"/>).
/// </summary>
public sealed class LanguageModel : IDisposable
{
    private readonly Lazy<Loaded> _loaded;
    private readonly ILogger<LanguageModel> _logger;

    private sealed record Loaded(LlamaModel Model, ITokenizer Tokenizer, PromptTemplate Template, AdapterSet Adapters, TextGenerator Generator, string Name);

    private readonly AdapterRegistry? _registry;

    /// <param name="registry">When given, the registry's active version is loaded and activated at start (before <see cref="EngineOptions.AdapterPath"/>).</param>
    public LanguageModel(IOptions<EngineOptions> options, ILogger<LanguageModel> logger, AdapterRegistry? registry = null)
    {
        _logger = logger;
        _registry = registry;
        Options = options.Value;
        _loaded = new Lazy<Loaded>(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public EngineOptions Options { get; }
    public LlamaModel Model => _loaded.Value.Model;
    public ITokenizer Tokenizer => _loaded.Value.Tokenizer;
    public PromptTemplate Template => _loaded.Value.Template;
    public AdapterSet Adapters => _loaded.Value.Adapters;
    public TextGenerator Generator => _loaded.Value.Generator;
    /// <summary>Model label recorded with drafts: folder name plus the weight format.</summary>
    public string Name => _loaded.Value.Name;
    public bool IsLoaded => _loaded.IsValueCreated;

    /// <summary>Loads now (the host calls this on start so the first draft does not wait).</summary>
    public void EnsureLoaded() => _ = _loaded.Value;

    private Loaded Load()
    {
        var o = Options;
        if (!Directory.Exists(o.ModelPath))
            throw new DirectoryNotFoundException($"ShawBot:Engine:ModelPath '{o.ModelPath}' is not a folder");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var format = o.Quantize switch { "nf4" => WeightFormat.Nf4, "fp4" => WeightFormat.Fp4, _ => WeightFormat.Float32 };
        var model = ModelLoader.Load(o.ModelPath, new ModelLoadOptions { Quantize = format, DoubleQuant = o.DoubleQuant });
        var tokenizer = TokenizerLoader.Load(o.ModelPath);
        string prompts = o.PromptsPath ?? Path.Combine(AppContext.BaseDirectory, "prompts");
        var template = PromptTemplate.Load(prompts);
        var adapters = new AdapterSet(model.Config);
        _registry?.CompleteInterruptedPromotion();
        if (_registry?.ActiveVersion is { } active && _registry.Get(active) is { } version)
        {
            adapters.Load(active, version.Path);
            adapters.Activate(active);
        }
        else if (o.AdapterPath is { Length: > 0 } ap && !(_registry?.HasExplicitBaseModel ?? false))
        {
            if (_registry?.ActiveVersion is { } missing)
                _logger.LogWarning("The registry's active adapter {Version} is not in {Root}; using ShawBot:Engine:AdapterPath", missing, _registry.Root);
            adapters.Load(Path.GetFileName(Path.GetFullPath(ap).TrimEnd(Path.DirectorySeparatorChar)), ap);
            adapters.Activate(adapters.Names.Single());
        }
        string name = Path.GetFileName(Path.GetFullPath(o.ModelPath).TrimEnd(Path.DirectorySeparatorChar)) + (format == WeightFormat.Float32 ? "" : "-" + o.Quantize);
        _logger.LogInformation("Loaded model {Model} ({Layers} layers, {Megabytes:0} MB of weights) in {Seconds:0.00} s; adapter {Adapter}",
            name, model.Config.NumLayers, model.SizeInBytes / 1e6, sw.Elapsed.TotalSeconds, adapters.Active?.Version ?? "none");
        return new Loaded(model, tokenizer, template, adapters, new TextGenerator(model, tokenizer, o.ContextTokens, KernelModes.Parse(o.Kernels)), name);
    }

    public void Dispose()
    {
        if (_loaded.IsValueCreated) _loaded.Value.Model.Dispose();
    }
}
