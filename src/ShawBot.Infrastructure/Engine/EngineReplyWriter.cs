using Microsoft.Extensions.Logging;
using ShawBot.Core.Domain;
using ShawBot.Core.Ports;
using ShawBot.Engine.Generation;

namespace ShawBot.Infrastructure.Engine;

/// <summary>
/// Drafts replies with the local model: builds the prompt with <see cref="ReplyPrompt"/>, generates with the
/// adapter active at the start of the call (a swap mid-draft does not affect it), and records the
/// model and adapter version. Generation runs on a pool thread; one draft at a time.
/// </summary>
/// <param name="memory">Voice memory for the template's {examples} slot; null: the comment alone.</param>
/// <param name="voices">Each source's adapter and prompt; null: the global live adapter and the engine's prompt for every comment.</param>
public sealed class EngineReplyWriter(LanguageModel model, ILogger<EngineReplyWriter> logger, IPromptExamples? memory = null, ChannelVoices? voices = null) : IReplyWriter
{
    public async Task<ReplyDraft> WriteAsync(ReplyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var slots = new PromptSlots(request.Text, request.VideoTitle, request.VideoDescription, request.CommentLanguage);
        if (memory is not null) slots = await memory.SlotsForAsync(slots, cancellationToken).ConfigureAwait(false);
        return await Task.Run(() => Write(request, slots, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private ReplyDraft Write(ReplyRequest request, PromptSlots slots, CancellationToken ct)
    {
        var o = model.Options;
        // Taken once: a swap affects the next draft. The comment's source picks the adapter; the base is shared.
        var voice = voices?.For(request.CommentId, request.SourceId) ?? new ChannelVoice(null, model.Adapters.Active, model.Prompt);
        var adapter = voice.Adapter;
        var sampling = model.DraftSampling();
        var prompt = voice.Prompt.Build(slots, model.Generator.ContextTokens - sampling.MaxNewTokens);
        if (prompt.ContainedMarkers)
            logger.LogInformation("Comment {CommentId} held the prompt template's markers; they were neutralised before drafting", request.CommentId);
        var result = model.Generator.Generate(prompt.Ids, sampling, adapter, null, ct);
        ct.ThrowIfCancellationRequested();
        string text = result.TextWithStop;   // generation stops at the sign-off; keep it
        logger.LogDebug("Drafted {Tokens} tokens for {CommentId} in {Seconds:0.00} s ({Rate:0.0} tok/s; prompt {Prompt} tokens, {Cached} of them cached), source {Source}, adapter {Adapter}",
            result.Tokens.Length, request.CommentId, (result.PrefillTime + result.DecodeTime).TotalSeconds, result.DecodeTokensPerSecond,
            result.PromptTokens, result.CachedPromptTokens, voice.SourceId ?? "-", adapter?.Version ?? "base");
        return new ReplyDraft(text.Trim(), model.Name, adapter?.Version ?? "base",
            new SamplingSettings(o.Temperature, o.TopP, o.MaxNewTokens, o.Temperature > 0 ? o.Seed : null));
    }
}
