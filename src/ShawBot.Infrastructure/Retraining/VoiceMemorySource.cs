using Microsoft.Extensions.Options;
using ShawBot.Core.Ports;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Retrieval;
using ShawBot.Engine.Training;
using ShawBot.Infrastructure.Engine;

namespace ShawBot.Infrastructure.Retraining;

/// <summary>
/// Voice memory for drafting. The pool is exactly what a retrain trains on and retrieves from — the
/// training side of <see cref="RetrainDataset.Build"/> over the store's curated replies and the seed
/// file's training lines (<see cref="HeldOutSplit"/>), in its order — so a draft's prompt is the
/// prompt the adapter is trained on for the same comment (and replies held out for the promotion
/// eval never appear in a prompt). The index is rebuilt when the curated set changes (count or
/// latest decision).
/// </summary>
public sealed class VoiceMemorySource(LanguageModel model, ICommentStore store, IOptions<RetrainOptions> retrain) : IPromptExamples
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (int Count, DateTimeOffset Latest)? _signature;
    private VoiceMemory? _memory;
    private List<ReplyExample>? _seed;

    /// <summary>The slots to draft <paramref name="comment"/> from (the comment alone when voice memory is off).</summary>
    public async Task<PromptSlots> SlotsForAsync(PromptSlots slots, CancellationToken cancellationToken)
    {
        var options = model.Options.VoiceMemory();
        if (options.Count == 0 || !model.Template.Template.Contains(VoiceMemory.Slot, StringComparison.Ordinal)) return slots;
        var curated = await store.ListCuratedExamplesAsync(cancellationToken).ConfigureAwait(false);
        var signature = (curated.Count, curated.Count == 0 ? DateTimeOffset.MinValue : curated.Max(c => c.DecidedAt));
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_memory is null || _signature != signature)
            {
                _seed ??= retrain.Value.SeedDataPath is { Length: > 0 } path ? HeldOutSplit.Load(path, DataPart.Train) : [];
                var pool = RetrainDataset.Build(curated, _seed, retrain.Value.EvalFraction).Train;
                _memory = new VoiceMemory(pool.Select(e => (e.Comment, e.Reply)), model.Prompt, options);
                _signature = signature;
            }
            return _memory.SlotsFor(slots);
        }
        finally { _gate.Release(); }
    }
}
