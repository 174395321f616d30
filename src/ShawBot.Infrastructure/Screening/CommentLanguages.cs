using Microsoft.Extensions.Options;
using ShawBot.Core.Ports;
using ShawBot.Core.Screening;
using ShawBot.Engine.Training;

namespace ShawBot.Infrastructure.Screening;

/// <summary>
/// The {comment_language} of a training or evaluation example: the same detector and the same switch
/// (<see cref="ScreeningOptions.DetectLanguage"/>) that drafting's screening uses
/// (<see cref="DraftScreening.BeforeDraft"/> tells the model the comment's language), so a curated reply's
/// training prompt is the prompt its draft had. Drafting never waits for the detector's models (a draft
/// before they load has no language line); training and eval do, bounded by <paramref name="wait"/>.
/// </summary>
public sealed class CommentLanguages(ILanguageDetector? detector, IOptionsMonitor<ScreeningOptions> options)
{
    /// <summary>How long training waits for the detector's models (they load in 5–11 s on one core).</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The labeller once the detector is ready: comment text → language name ("German") or null (too short,
    /// not confident). Null when detection is off, there is no detector, or it did not load within the wait:
    /// examples then get no language line, as drafts did before the detector was ready.
    /// </summary>
    public async Task<Func<string, string?>?> ReadyAsync(TimeSpan wait, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        if (!options.CurrentValue.DetectLanguage || detector is null)
        {
            return null;
        }

        var clock = time ?? TimeProvider.System;
        var deadline = clock.GetUtcNow() + wait;
        while (!detector.IsReady && clock.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), clock, cancellationToken).ConfigureAwait(false);
        }

        return detector.IsReady ? text => detector.Detect(text)?.Name : null;
    }

    /// <summary>The examples with <see cref="ReplyExample.CommentLanguage"/> set by <paramref name="languageOf"/> (null: unchanged).</summary>
    public static List<ReplyExample> Label(IEnumerable<ReplyExample> examples, Func<string, string?>? languageOf) =>
        languageOf is null ? [.. examples] : [.. examples.Select(e => e with { CommentLanguage = languageOf(e.Comment) })];
}
