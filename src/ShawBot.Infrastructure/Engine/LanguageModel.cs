using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Kernels;
using ShawBot.Engine.Model;
using ShawBot.Engine.Tokenization;

namespace ShawBot.Infrastructure.Engine;

/// <summary>
/// The loaded base model with its tokenizer, prompt template and adapter set: one per process,
/// loaded once (the base is never reloaded; adapters swap in <see cref="Adapters"/>).
/// </summary>
public sealed class LanguageModel : IDisposable
{
    private readonly Lazy<Loaded> _loaded;
    private readonly ILogger<LanguageModel> _logger;

    private sealed record Loaded(LlamaModel Model, ITokenizer Tokenizer, ReplyPrompt Prompt, AdapterSet Adapters, TextGenerator Generator, string Name);

    private readonly IStartupAdapter? _startup;

    private readonly ModelPreload? _preload;

    /// <param name="startup">When given, its choice is loaded and activated at start (before <see cref="EngineOptions.AdapterPath"/>).</param>
    /// <param name="preload">A load already under way; used when it is of <see cref="EngineOptions.ModelPath"/> in the configured format.</param>
    public LanguageModel(IOptions<EngineOptions> options, ILogger<LanguageModel> logger, IStartupAdapter? startup = null, ModelPreload? preload = null)
    {
        _logger = logger;
        _startup = startup;
        _preload = preload;
        Options = options.Value;
        _loaded = new Lazy<Loaded>(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public EngineOptions Options { get; }
    public LlamaModel Model => _loaded.Value.Model;
    public ITokenizer Tokenizer => _loaded.Value.Tokenizer;
    public PromptTemplate Template => _loaded.Value.Prompt.Template;
    /// <summary>Builds every prompt this model drafts, samples or trains from.</summary>
    public ReplyPrompt Prompt => _loaded.Value.Prompt;
    public AdapterSet Adapters => _loaded.Value.Adapters;
    public TextGenerator Generator => _loaded.Value.Generator;
    /// <summary>Model label recorded with drafts: folder name plus the weight format.</summary>
    public string Name => _loaded.Value.Name;
    public bool IsLoaded => _loaded.IsValueCreated;

    /// <summary>How a draft samples, from <see cref="EngineOptions"/> (generation stops at the sign-off).</summary>
    public SamplingOptions DraftSampling()
    {
        var o = Options;
        return new SamplingOptions
        {
            Temperature = (float)o.Temperature, TopP = (float)o.TopP, TopK = o.TopK, RepetitionPenalty = (float)o.RepetitionPenalty,
            MaxNewTokens = o.MaxNewTokens, MinNewTokens = Math.Min(o.MinNewTokens, o.MaxNewTokens), Seed = unchecked((ulong)o.Seed), StopStrings = string.IsNullOrEmpty(o.SignOff) ? [] : [o.SignOff],
        };
    }

    /// <summary>Loads now (the host calls this on start so the first draft does not wait).</summary>
    public void EnsureLoaded() => _ = _loaded.Value;

    private Loaded Load()
    {
        var o = Options;
        if (!Directory.Exists(o.ModelPath))
            throw new DirectoryNotFoundException($"ShawBot:Engine:ModelPath '{o.ModelPath}' is not a folder");
        var spec = o.ModelSpec();
        var local = _preload?.Take(spec) ?? LocalModel.Load(spec);
        var (model, tokenizer) = (local.Model, local.Tokenizer);
        var prompt = new ReplyPrompt(PromptTemplate.Load(PromptTemplate.Locate(o.PromptsPath)), tokenizer);
        var adapters = new AdapterSet(model.Config);
        var startup = _startup?.Choose();
        if (startup is { Name: { } active, Folder: { } folder })
            adapters.SwapTo(active, PeftAdapterFiles.Load(folder, model.Config, active));
        else if (startup is null && o.AdapterPath is { Length: > 0 } ap)
        {
            string adapterName = Path.GetFileName(Path.GetFullPath(ap).TrimEnd(Path.DirectorySeparatorChar));
            adapters.SwapTo(adapterName, PeftAdapterFiles.Load(ap, model.Config, adapterName));
        }
        string name = local.Name;
        var kernels = KernelModes.Parse(o.Kernels);
        _logger.LogInformation("Loaded model {Model} ({Layers} layers, {Megabytes:0} MB of weights) in {Seconds:0.00} s; adapter {Adapter}; {Kernels} kernels for 4-bit weights",
            name, model.Config.NumLayers, model.SizeInBytes / 1e6, local.LoadTime.TotalSeconds, adapters.Active?.Version ?? "none", kernels.Name());
        return new Loaded(model, tokenizer, prompt, adapters, new TextGenerator(model, tokenizer, o.ContextTokens, kernels), name);
    }

    public void Dispose()
    {
        if (_loaded.IsValueCreated) _loaded.Value.Model.Dispose();
    }
}
