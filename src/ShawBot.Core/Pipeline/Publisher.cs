using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Core.Options;
using ShawBot.Core.Ports;

namespace ShawBot.Core.Pipeline;

/// <summary>
/// Posts approved and edited replies, at most once per comment. A comment is moved to Posting (one
/// transaction) before comments.insert is called, so after a crash, timeout or 5xx the comment is still
/// Posting and the outcome unknown: before any further insert the publisher looks on the thread for the
/// channel's own reply and records that one instead. Permanent failures end in PostFailed with the reason.
/// </summary>
public sealed partial class Publisher : PipelineLoop
{
    private readonly ICommentStore _store;
    private readonly IReplyPublisher _publisher;
    private readonly QuotaGate _quota;
    private readonly PipelineSignals _signals;
    private readonly IOptionsMonitor<PublisherOptions> _options;

    public Publisher(
        ICommentStore store,
        IReplyPublisher publisher,
        QuotaGate quota,
        PipelineSignals signals,
        IOptionsMonitor<PublisherOptions> options,
        IOptionsMonitor<LoopBackoffOptions> backoff,
        TimeProvider time,
        ILogger<Publisher> logger)
        : base(time, backoff, logger)
    {
        _store = store;
        _publisher = publisher;
        _quota = quota;
        _signals = signals;
        _options = options;
    }

    public override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;

        // Unknown outcomes first (left by a crash or a failed attempt): check the thread, then retry.
        foreach (var tracked in await _store.ListByStateAsync(CommentState.Posting, options.BatchSize, cancellationToken).ConfigureAwait(false))
        {
            var text = await _store.GetTextToPostAsync(tracked.Comment.CommentId, cancellationToken).ConfigureAwait(false);
            if (text is null || !await ResolveUnknownAsync(tracked, options, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            await InsertAsync(tracked.Comment, text, cancellationToken).ConfigureAwait(false);
        }

        foreach (var state in new[] { CommentState.Approved, CommentState.Edited })
        {
            foreach (var tracked in await _store.ListByStateAsync(state, options.BatchSize, cancellationToken).ConfigureAwait(false))
            {
                if (_quota.CheckPaused())
                {
                    return;
                }

                var text = await _store.TryBeginPostingAsync(tracked.Comment.CommentId, cancellationToken).ConfigureAwait(false);
                if (text is not null)
                {
                    await InsertAsync(tracked.Comment, text, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    protected override Task WaitForWorkAsync(CancellationToken cancellationToken) =>
        _signals.Publisher.WaitAsync(_options.CurrentValue.Interval, Time, cancellationToken);

    /// <summary>True when an insert should be tried; false when resolved (found, failed) or not possible now.</summary>
    private async Task<bool> ResolveUnknownAsync(TrackedComment tracked, PublisherOptions options, CancellationToken cancellationToken)
    {
        var comment = tracked.Comment;
        if (!await _quota.TryChargeAsync("comments.list", QuotaCosts.List, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        PublishedReply? existing;
        try
        {
            existing = await _publisher.FindOwnReplyAsync(comment.ThreadId, cancellationToken).ConfigureAwait(false);
        }
        catch (ExternalServiceException ex) when (ex.Kind == ExternalErrorKind.QuotaExceeded)
        {
            await _quota.PauseUntilResetAsync(cancellationToken).ConfigureAwait(false);
            return false;
        }
        catch (ExternalServiceException ex) when (ex.Kind == ExternalErrorKind.Permanent)
        {
            await FailAsync(comment.CommentId, ex, cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (existing is not null)
        {
            if (await _store.MarkPostedAsync(comment.CommentId, existing, cancellationToken).ConfigureAwait(false))
            {
                LogFoundExisting(Logger, comment.CommentId, existing.ReplyId);
            }

            return false;
        }

        if (tracked.PostAttempts >= options.MaxAttempts)
        {
            var reason = $"gave up after {tracked.PostAttempts} attempts; last: {tracked.Reason ?? "unknown outcome"}";
            await _store.TryTransitionAsync(comment.CommentId, CommentState.Posting, CommentState.PostFailed, reason, cancellationToken).ConfigureAwait(false);
            LogPostFailed(Logger, comment.CommentId, reason);
            return false;
        }

        await _store.RecordPostAttemptAsync(comment.CommentId, tracked.Reason, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task InsertAsync(Comment comment, string text, CancellationToken cancellationToken)
    {
        if (!await _quota.TryChargeAsync("comments.insert", QuotaCosts.Insert, cancellationToken).ConfigureAwait(false))
        {
            return; // Stays Posting; checked on the thread before the next try, which costs 1 unit.
        }

        PublishedReply reply;
        try
        {
            reply = await _publisher.PostReplyAsync(comment.ThreadId, text, cancellationToken).ConfigureAwait(false);
        }
        catch (ExternalServiceException ex) when (ex.Kind == ExternalErrorKind.Permanent)
        {
            await FailAsync(comment.CommentId, ex, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (ExternalServiceException ex) when (ex.Kind == ExternalErrorKind.QuotaExceeded)
        {
            await _quota.PauseUntilResetAsync(cancellationToken).ConfigureAwait(false);
            await _store.TryTransitionAsync(comment.CommentId, CommentState.Posting, CommentState.Posting, ex.Reason, CancellationToken.None).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Transient or unknown: the comment stays Posting; rethrow so the loop backs off.
            var reason = ex is ExternalServiceException e ? $"{e.Kind} {e.Reason}: {e.Message}" : $"{ex.GetType().Name}: {ex.Message}";
            await _store.TryTransitionAsync(comment.CommentId, CommentState.Posting, CommentState.Posting, reason, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        // The reply is live. If we die before this commit, the thread check finds it on restart.
        if (await _store.MarkPostedAsync(comment.CommentId, reply, CancellationToken.None).ConfigureAwait(false))
        {
            LogPosted(Logger, comment.CommentId, reply.ReplyId);
        }
    }

    private async Task FailAsync(string commentId, ExternalServiceException ex, CancellationToken cancellationToken)
    {
        var reason = $"{ex.Reason} ({ex.StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no status"}): {ex.Message}";
        await _store.TryTransitionAsync(commentId, CommentState.Posting, CommentState.PostFailed, reason, cancellationToken).ConfigureAwait(false);
        LogPostFailed(Logger, commentId, reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Posted reply {ReplyId} to comment {CommentId}")]
    private static partial void LogPosted(ILogger logger, string commentId, string replyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Comment {CommentId} already has the channel's reply {ReplyId}; recorded it without posting again")]
    private static partial void LogFoundExisting(ILogger logger, string commentId, string replyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Posting to comment {CommentId} failed: {Reason}")]
    private static partial void LogPostFailed(ILogger logger, string commentId, string reason);
}
