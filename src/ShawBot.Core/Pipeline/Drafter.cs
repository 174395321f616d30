using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Core.Options;
using ShawBot.Core.Ports;
using ShawBot.Core.Screening;
using ShawBot.Core.Text;

namespace ShawBot.Core.Pipeline;

/// <summary>
/// Turns New comments into drafts through <see cref="IReplyWriter"/> and shows each draft on every
/// moderation channel. Runs off the poll loop; a comment it cannot draft is skipped with a reason.
/// <see cref="DraftScreening"/> runs before and after the writer; its flags are stored with the draft
/// (<see cref="IScreeningStore"/>) and shown on every channel. Each claim is leased (<see cref="IWorkLeases"/>) and
/// renewed while the writer works; at the start of every pass comments whose lease expired (their host died) or that
/// this host left (its previous run) go back to New, never those another live host holds.
/// </summary>
public sealed partial class Drafter : PipelineLoop
{
    private readonly ICommentIngest _comments;
    private readonly IReviewStore _reviews;
    private readonly IWorkLeases _leases;
    private readonly IReplyWriter _writer;
    private readonly IReadOnlyList<IModerationChannel> _channels;
    private readonly PipelineSignals _signals;
    private readonly IOptionsMonitor<DrafterOptions> _options;
    private readonly DraftScreening _screening;
    private readonly IScreeningStore? _screeningStore;
    private readonly IVideoCatalog? _videos;

    /// <summary>Drafts shown before the language models had loaded, checked once they have (this process's; see <see cref="RecheckLanguagesAsync"/>).</summary>
    private readonly System.Collections.Concurrent.ConcurrentQueue<ReviewItem> _languageUnchecked = new();

    /// <summary>Whether the stored drafts still flagged <see cref="DraftScreening.LanguageNotChecked"/> were looked up (once per process).</summary>
    private bool _storedUncheckedQueued;

    public Drafter(
        ICommentIngest comments,
        IReviewStore reviews,
        IWorkLeases leases,
        IReplyWriter writer,
        IEnumerable<IModerationChannel> channels,
        PipelineSignals signals,
        IOptionsMonitor<DrafterOptions> options,
        IOptionsMonitor<LoopBackoffOptions> backoff,
        TimeProvider time,
        ILogger<Drafter> logger,
        DraftScreening screening,
        IScreeningStore? screeningStore = null,
        IVideoCatalog? videos = null)
        : base(time, backoff, logger)
    {
        _comments = comments;
        _reviews = reviews;
        _leases = leases;
        _writer = writer;
        _channels = channels.ToArray();
        _signals = signals;
        _options = options;
        _screening = screening;
        _screeningStore = screeningStore;
        _videos = videos;
    }

    public override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        var recovered = await _leases.ReleaseExpiredDraftingAsync(cancellationToken).ConfigureAwait(false);
        if (recovered > 0)
        {
            LogRecovered(Logger, recovered);
        }

        foreach (var channel in _channels)
        {
            var pending = await _reviews.ListUnpublishedReviewsAsync(channel.Name, options.BatchSize, cancellationToken).ConfigureAwait(false);
            foreach (var item in pending)
            {
                var flags = await StoredFlagsAsync(item.Draft.DraftId, cancellationToken).ConfigureAwait(false)
                    ?? CommentScreen.Screen(item.Comment.Text, options.MaxCommentLength).Flags;
                await ShowAsync(channel, item with { Flags = flags }, cancellationToken).ConfigureAwait(false);
            }
        }

        await RecheckLanguagesAsync(options, cancellationToken).ConfigureAwait(false);

        var batch = await _comments.ListByStateAsync(CommentState.New, options.BatchSize, cancellationToken).ConfigureAwait(false);
        foreach (var tracked in batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await DraftAsync(tracked, options, cancellationToken).ConfigureAwait(false);
        }

        if (batch.Count == options.BatchSize)
        {
            _signals.Drafter.Notify(); // More may be waiting: go again without sleeping.
        }
    }

    protected override Task WaitForWorkAsync(CancellationToken cancellationToken) =>
        _signals.Drafter.WaitAsync(_options.CurrentValue.Interval, Time, cancellationToken);

    private async Task DraftAsync(TrackedComment tracked, DrafterOptions options, CancellationToken cancellationToken)
    {
        var comment = tracked.Comment;
        if (!await _reviews.TryBeginDraftingAsync(comment.CommentId, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var screened = CommentScreen.Screen(comment.Text, options.MaxCommentLength);
        if (await SkipAsync(comment.CommentId, screened.SkipReason, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var youTubeStatus = _screeningStore is null ? null
            : await _screeningStore.GetYouTubeStatusAsync(comment.CommentId, cancellationToken).ConfigureAwait(false);
        var before = _screening.BeforeDraft(screened, youTubeStatus);
        if (await SkipAsync(comment.CommentId, before.SkipReason, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        string? failure;
        var renewal = new LeaseRenewal(_leases, comment.CommentId, Time);
        await using var renewing = renewal.ConfigureAwait(false);
        try
        {
            var video = _videos is null ? null
                : (await _videos.GetVideosAsync([comment.VideoId], cancellationToken).ConfigureAwait(false)).GetValueOrDefault(comment.VideoId);
            var reply = await _writer.WriteAsync(
                new ReplyRequest(comment.CommentId, screened.Text, comment.AuthorDisplayName, comment.VideoTitle ?? video?.Title, before.Language?.Name, video?.Description, comment.SourceId),
                cancellationToken).ConfigureAwait(false);
            var text = ReplyText.Finish(reply.Text ?? "", options.SignOff, options.MaxReplyLength);
            if (text.Length > 0)
            {
                var after = _screening.AfterDraft(text, before.Language, options.SignOff);
                if (await SkipAsync(comment.CommentId, after.SkipReason, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                var draft = await _reviews.SaveDraftAsync(comment.CommentId, reply with { Text = text }, Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                if (draft is not null)
                {
                    IReadOnlyList<string> flags = [.. before.Flags, .. after.Flags];
                    if (_screeningStore is not null)
                    {
                        await _screeningStore.SaveDraftFlagsAsync(draft.DraftId, flags, cancellationToken).ConfigureAwait(false);
                    }

                    if (flags.Contains(DraftScreening.LanguageNotChecked))
                    {
                        _languageUnchecked.Enqueue(new ReviewItem(comment with { Text = screened.Text }, draft, flags));
                    }

                    LogDrafted(Logger, comment.CommentId, draft.DraftId, draft.ModelName, draft.AdapterVersion);
                    foreach (var channel in _channels)
                    {
                        await ShowAsync(channel, new ReviewItem(comment, draft, flags), cancellationToken).ConfigureAwait(false);
                    }
                }

                return;
            }

            failure = "the writer returned an empty reply";
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: hand the comment back so the next start drafts it.
            await _comments.TryTransitionAsync(comment.CommentId, CommentState.Drafting, CommentState.New, null, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        catch (Exception ex)
        {
            failure = $"{ex.GetType().Name}: {ex.Message}";
            LogWriterFailed(Logger, ex, comment.CommentId, tracked.DraftAttempts + 1);
        }

        var giveUp = tracked.DraftAttempts + 1 >= options.MaxAttempts;
        await _comments.TryTransitionAsync(
            comment.CommentId,
            CommentState.Drafting,
            giveUp ? CommentState.Skipped : CommentState.New,
            giveUp ? $"drafting failed {options.MaxAttempts} times: {failure}" : failure,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Once the language models are loaded: checks the drafts shown without the check, if still under review, and
    /// re-shows them. A draft is never left unchecked: it carries <see cref="DraftScreening.LanguageNotChecked"/>
    /// until this runs, and with a screening store the first pass after loading takes every such draft from the
    /// store, so one shown by a previous run (stopped before its models loaded) or by another host is checked too.
    /// </summary>
    private async Task RecheckLanguagesAsync(DrafterOptions options, CancellationToken cancellationToken)
    {
        if (!_screening.LanguageReady)
        {
            return;
        }

        if (!_storedUncheckedQueued && _screeningStore is not null)
        {
            // The store has this process's flagged drafts too (flags are saved before a draft is queued): take them from there, once.
            _languageUnchecked.Clear();
            await QueueStoredUncheckedAsync(_screeningStore, options, cancellationToken).ConfigureAwait(false);
            _storedUncheckedQueued = true;
        }

        while (_languageUnchecked.TryDequeue(out var item))
        {
            var tracked = await _comments.GetCommentAsync(item.Comment.CommentId, cancellationToken).ConfigureAwait(false);
            if (tracked is not { State: CommentState.AwaitingReview } || tracked.CurrentDraftId != item.Draft.DraftId)
            {
                continue;
            }

            var flags = _screening.RecheckLanguage(item.Comment.Text, item.Draft.Text, options.SignOff, item.Flags);
            if (_screeningStore is not null)
            {
                await _screeningStore.SaveDraftFlagsAsync(item.Draft.DraftId, flags, cancellationToken).ConfigureAwait(false);
            }

            foreach (var channel in _channels)
            {
                await ShowAsync(channel, new ReviewItem(tracked.Comment, item.Draft, flags), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task QueueStoredUncheckedAsync(IScreeningStore store, DrafterOptions options, CancellationToken cancellationToken)
    {
        foreach (var tracked in await _comments.ListByStateAsync(CommentState.AwaitingReview, int.MaxValue, cancellationToken).ConfigureAwait(false))
        {
            if (tracked.CurrentDraftId is not { } draftId
                || await store.GetDraftFlagsAsync(draftId, cancellationToken).ConfigureAwait(false) is not { } flags
                || !flags.Contains(DraftScreening.LanguageNotChecked)
                || await _reviews.GetDraftAsync(draftId, cancellationToken).ConfigureAwait(false) is not { } draft)
            {
                continue;
            }

            // The text the draft was written from, as DraftAsync queues it.
            var text = CommentScreen.Screen(tracked.Comment.Text, options.MaxCommentLength).Text;
            _languageUnchecked.Enqueue(new ReviewItem(tracked.Comment with { Text = text }, draft, flags));
        }
    }

    /// <summary>Drafting → Skipped with <paramref name="reason"/> when it is non-null; true when skipped.</summary>
    private async Task<bool> SkipAsync(string commentId, string? reason, CancellationToken cancellationToken)
    {
        if (reason is null)
        {
            return false;
        }

        await _comments.TryTransitionAsync(commentId, CommentState.Drafting, CommentState.Skipped, reason, cancellationToken).ConfigureAwait(false);
        LogSkipped(Logger, commentId, reason);
        return true;
    }

    private async Task<IReadOnlyList<string>?> StoredFlagsAsync(long draftId, CancellationToken cancellationToken) =>
        _screeningStore is null ? null : await _screeningStore.GetDraftFlagsAsync(draftId, cancellationToken).ConfigureAwait(false);

    /// <summary>Shows the draft on one channel; a failing channel does not stop drafting (the draft is re-shown later).</summary>
    private async Task ShowAsync(IModerationChannel channel, ReviewItem item, CancellationToken cancellationToken)
    {
        try
        {
            var existing = await _reviews.GetReviewReferenceAsync(item.Comment.CommentId, channel.Name, cancellationToken).ConfigureAwait(false);
            string reference;
            if (existing is null)
            {
                reference = await channel.PublishAsync(item, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await channel.UpdateAsync(existing, item, cancellationToken).ConfigureAwait(false);
                reference = existing;
            }

            await _reviews.SetReviewReferenceAsync(item.Comment.CommentId, channel.Name, reference, item.Draft.DraftId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogShowFailed(Logger, ex, item.Draft.DraftId, channel.Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Drafted reply {DraftId} for comment {CommentId} with {Model} adapter {Adapter}")]
    private static partial void LogDrafted(ILogger logger, string commentId, long draftId, string model, string adapter);

    [LoggerMessage(Level = LogLevel.Information, Message = "Skipped comment {CommentId}: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string commentId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reply writer failed on comment {CommentId} (attempt {Attempt})")]
    private static partial void LogWriterFailed(ILogger logger, Exception exception, string commentId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not show draft {DraftId} on moderation channel {Channel}; will retry")]
    private static partial void LogShowFailed(ILogger logger, Exception exception, long draftId, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Returned {Count} comments left in Drafting by a stopped host (lease expired, or this host's previous run) to New")]
    private static partial void LogRecovered(ILogger logger, int count);
}
