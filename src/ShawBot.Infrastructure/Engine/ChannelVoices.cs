using Microsoft.Extensions.Logging;
using ShawBot.Core.Sources;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Lora;
using ShawBot.Infrastructure.Adapters;

namespace ShawBot.Infrastructure.Engine;

/// <summary>What one draft is written with: its source's adapter (null: the bare base) and prompt.</summary>
/// <param name="SourceId">The "ShawBot:Channels" entry's id; null when the comment matched no entry.</param>
public sealed record ChannelVoice(string? SourceId, LoraAdapter? Adapter, ReplyPrompt Prompt);

/// <summary>
/// Each source's voice over the one base model in <see cref="LanguageModel"/>. A source with its own
/// registry (<see cref="SourceEntry.AdapterPath"/>) drafts with that registry's active version; the
/// others use the global live adapter (<see cref="LanguageModel.Adapters"/>), as a single-channel setup
/// always has. Per-source adapters stay resident beside the base, least recently used unloaded beyond
/// the memory budget; choosing one is a lookup, nothing shared is changed per draft, and a generation
/// that holds an adapter keeps it (unloading only drops this cache's reference).
/// </summary>
public sealed partial class ChannelVoices
{
    private readonly LanguageModel _model;
    private readonly IReadOnlyList<SourceEntry> _sources;
    private readonly ILogger<ChannelVoices> _logger;
    private readonly Dictionary<string, AdapterRegistry> _registries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ReplyPrompt> _prompts = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    // LRU of resident adapters keyed "{registry root}|{version}": most recently used at the front.
    private readonly LinkedList<(string Key, LoraAdapter Adapter)> _recent = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, LoraAdapter Adapter)>> _resident = new(StringComparer.Ordinal);
    private long _residentBytes;

    /// <param name="memoryBudgetBytes">Bytes the per-source adapters may hold together; the one in use is kept even if it alone is larger.</param>
    public ChannelVoices(LanguageModel model, IReadOnlyList<SourceEntry> sources, long memoryBudgetBytes, ILogger<ChannelVoices> logger)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(memoryBudgetBytes);
        _model = model;
        _sources = sources;
        _logger = logger;
        MemoryBudgetBytes = memoryBudgetBytes;
        foreach (var source in sources)
        {
            if (source.AdapterPath is not { } path) continue;
            _registries[source.Id] = new AdapterRegistry(path);
            if (!Directory.Exists(_registries[source.Id].Root)) LogNoRegistry(source.Id, _registries[source.Id].Root);
        }
    }

    public long MemoryBudgetBytes { get; }

    /// <summary>The resident per-source adapters, most recently used first, as "{source registry folder}|{version}".</summary>
    public IReadOnlyList<string> Resident { get { lock (_gate) return _recent.Select(r => r.Key).ToArray(); } }

    public long ResidentBytes { get { lock (_gate) return _residentBytes; } }

    /// <summary>The registry of a source that has its own; null when it uses the global one.</summary>
    public AdapterRegistry? RegistryOf(string sourceId) => _registries.GetValueOrDefault(sourceId);

    /// <summary>The voice for a stored comment, chosen by its recorded source entry, else by the source its id names (<see cref="SourceDirectory.For(IReadOnlyList{SourceEntry}, string, string?)"/>).</summary>
    public ChannelVoice For(string commentId, string? sourceId = null)
    {
        var source = SourceDirectory.For(_sources, commentId, sourceId);
        return source is null ? new ChannelVoice(null, _model.Adapters.Active, _model.Prompt) : VoiceOf(source);
    }

    /// <summary>The voice of a source by its id (what its drafts use now).</summary>
    public ChannelVoice OfSource(string sourceId)
    {
        var source = _sources.FirstOrDefault(s => s.Id == sourceId) ?? throw new KeyNotFoundException($"no ShawBot:Channels entry has the id '{sourceId}'");
        return VoiceOf(source);
    }

    private ChannelVoice VoiceOf(SourceEntry source)
    {
        var adapter = _registries.TryGetValue(source.Id, out var registry) ? ActiveOf(source.Id, registry) : _model.Adapters.Active;
        return new ChannelVoice(source.Id, adapter, PromptOf(source));
    }

    /// <summary>The display name of a source ("Shaw's community").</summary>
    public string DisplayNameOf(string sourceId) =>
        (_sources.FirstOrDefault(s => s.Id == sourceId) ?? throw new KeyNotFoundException($"no ShawBot:Channels entry has the id '{sourceId}'")).DisplayName;

    /// <summary>The ids of the sources with a registry of their own, in the list's order (each retrains on its own).</summary>
    public IReadOnlyList<string> SourcesWithOwnRegistry => _sources.Where(s => _registries.ContainsKey(s.Id)).Select(s => s.Id).ToArray();

    /// <summary>The id of the source a stored comment came from (its recorded entry first); null when no entry matches.</summary>
    public string? SourceOf(string commentId, string? sourceId = null) => SourceDirectory.For(_sources, commentId, sourceId)?.Id;

    /// <summary>Whether the comment's source drafts from a registry of its own (so the global retrain leaves its replies out).</summary>
    public bool HasOwnRegistry(string commentId, string? sourceId = null) => SourceOf(commentId, sourceId) is { } id && _registries.ContainsKey(id);

    private ReplyPrompt PromptOf(SourceEntry source)
    {
        if (source.PromptsPath is not { } folder) return _model.Prompt;
        lock (_gate)
        {
            if (!_prompts.TryGetValue(source.Id, out var prompt))
            {
                prompt = new ReplyPrompt(PromptTemplate.Load(PromptTemplate.Locate(folder)), _model.Tokenizer);
                _prompts[source.Id] = prompt;
            }
            return prompt;
        }
    }

    /// <summary>
    /// The registry's active version, loaded once and kept resident (the pointer is read per draft, so a
    /// promotion or rollback in that registry reaches the next draft). No pointer, or one at the bare base:
    /// null. A pointer at a version that is not whole: the bare base, with a warning.
    /// </summary>
    private LoraAdapter? ActiveOf(string sourceId, AdapterRegistry registry)
    {
        string? version = registry.ActiveVersion;
        if (version is null) return null;
        string key = registry.Root + "|" + version;
        lock (_gate)
        {
            if (_resident.TryGetValue(key, out var node))
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
                return node.Value.Adapter;
            }
            if (registry.Get(version) is null)
            {
                LogNotWhole(sourceId, version, registry.Root);
                return null;
            }
            // Loaded under the lock: drafts run one at a time, and two sources never read one version twice.
            var adapter = PeftAdapterFiles.Load(registry.VersionPath(version), _model.Model.Config, version);
            _resident[key] = _recent.AddFirst((key, adapter));
            _residentBytes += SizeOf(adapter);
            LogLoaded(sourceId, version, SizeOf(adapter) / 1e6);
            while (_residentBytes > MemoryBudgetBytes && _recent.Count > 1)
            {
                var last = _recent.Last!.Value;
                _recent.RemoveLast();
                _resident.Remove(last.Key);
                _residentBytes -= SizeOf(last.Adapter);
                LogUnloaded(last.Key, _residentBytes / 1e6, MemoryBudgetBytes / 1e6);
            }
            return adapter;
        }
    }

    private static long SizeOf(LoraAdapter adapter) => (long)adapter.Parameters.Length * sizeof(float);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded adapter {Version} for source {Source} ({Megabytes:0.0} MB)")]
    private partial void LogLoaded(string source, string version, double megabytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unloaded adapter {Key} (least recently used; {Megabytes:0.0} MB resident, budget {Budget:0} MB)")]
    private partial void LogUnloaded(string key, double megabytes, double budget);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Source {Source}: its adapter registry {Root} does not exist yet; it drafts with the base model until a version is activated there")]
    private partial void LogNoRegistry(string source, string root);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Source {Source}: adapters/active in {Root} names {Version}, which is not a whole version; drafting with the base model")]
    private partial void LogNotWhole(string source, string version, string root);
}
