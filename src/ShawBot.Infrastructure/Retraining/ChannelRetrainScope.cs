using ShawBot.Engine.Generation;
using ShawBot.Engine.Lora;
using ShawBot.Infrastructure.Adapters;
using ShawBot.Infrastructure.Engine;

namespace ShawBot.Infrastructure.Retraining;

/// <summary>
/// Whose voice a retrain is for. The global run (no source) trains the global registry on the curated
/// replies of every source that has no registry of its own and promotes through <see cref="LiveAdapter"/>;
/// a source's run trains that source's registry on its own curated replies, with its prompt, compares with
/// its active version and promotes by moving its registry's pointer. Without <see cref="ChannelVoices"/>
/// (no engine) every curated reply is the global run's, as before sources had voices.
/// </summary>
internal sealed class ChannelRetrainScope
{
    private readonly LanguageModel _model;
    private readonly ChannelVoices? _voices;

    public ChannelRetrainScope(LanguageModel model, AdapterRegistry registry, ChannelVoices? voices, string? sourceId)
    {
        _model = model;
        _voices = voices;
        SourceId = sourceId;
        if (sourceId is null) return;
        if (voices?.RegistryOf(sourceId) is not { } own)
            throw new ArgumentException($"source '{sourceId}' has no adapter registry of its own (ShawBot:Channels:N:AdapterPath)", nameof(sourceId));
        if (own.Root != registry.Root)
            throw new ArgumentException($"source '{sourceId}' trains into {own.Root}, not {registry.Root}", nameof(registry));
    }

    /// <summary>The source whose registry this run trains; null: the global registry.</summary>
    public string? SourceId { get; }

    /// <summary>The source's display name for reports; null for the global run.</summary>
    public string? SourceName => SourceId is null ? null : _voices!.DisplayNameOf(SourceId);

    /// <summary>Whether a curated reply to this comment (of this recorded source entry) belongs to this run's dataset.</summary>
    public bool Includes(string commentId, string? sourceId = null) => _voices is null
        || (SourceId is null ? !_voices.HasOwnRegistry(commentId, sourceId) : _voices.SourceOf(commentId, sourceId) == SourceId);

    /// <summary>The adapter the source drafts with now (compared with, warm-started from); null: the bare base.</summary>
    public LoraAdapter? Live => SourceId is null ? _model.Adapters.Active : _voices!.OfSource(SourceId).Adapter;

    /// <summary>The prompt the source drafts with: training examples are rendered with the same template.</summary>
    public ReplyPrompt Prompt => SourceId is null ? _model.Prompt : _voices!.OfSource(SourceId).Prompt;
}
