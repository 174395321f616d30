using ShawBot.Engine.Generation;

namespace ShawBot.Infrastructure.Engine;

/// <summary>
/// Fills a drafting prompt's {examples} slot (voice memory). Implemented beside retraining
/// (<c>Retraining.VoiceMemorySource</c>), whose training split is the pool, so drafting and training
/// retrieve alike; the reply writer drafts from the slots as given when none is registered.
/// </summary>
public interface IPromptExamples
{
    Task<PromptSlots> SlotsForAsync(PromptSlots slots, CancellationToken cancellationToken);
}
