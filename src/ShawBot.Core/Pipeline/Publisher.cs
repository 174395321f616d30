using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Core.Options;
using ShawBot.Core.Ports;
using ShawBot.Core.Sources;

namespace ShawBot.Core.Pipeline;

/// <summary>
/// Posts approved and edited replies, at most once per comment. A comment is moved to Posting (one
/// transaction) before the platform is called, so after a crash, timeout or 5xx the comment is still
/// Posting and the outcome unknown: before any further post the publisher asks the comment's
/// <see cref="IReplyTarget"/> for our own reply (the YouTube thread, the Discord replies to the message)
/// and records that one instead. Permanent failures end in PostFailed with the reason. Only targets with a
/// quota (YouTube) charge the ledger and wait out a quota pause.
/// Several hosts: the Posting claim is leased (<see cref="IWorkLeases"/>) and renewed during the post; a host
/// re-examines a Posting comment only once its lease is its own or has expired, so no two hosts post it at once.
/// </summary>
public sealed partial class Publisher : PipelineLoop
{
    private readonly ICommentIngest _comments;
    private readonly IPublishStore _posts;
    private readonly IWorkLeases _leases;
    private readonly ReplyTargets _targets;
    private readonly QuotaGate _quota;
    private readonly PipelineSignals _signals;
    private readonly IOptionsMonitor<PublisherOptions> _options;

    public Publisher(
        ICommentIngest comments,
        IPublishStore posts,
        IWorkLeases leases,
        ReplyTargets targets,
        QuotaGate quota,
        PipelineSignals signals,
        IOptionsMonitor<PublisherOptions> options,
        IOptionsMonitor<LoopBackoffOptions> backoff,
        TimeProvider time,
        ILogger<Publisher> logger)
        : base(time, backoff, logger)
    {
        _comments = comments;
        _posts = posts;
        _leases = leases;
        _targets = targets;
        _quota = quota;
        _signals = signals;
        _options = options;
    }

    public override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;

        // Unknown outcomes first (left by a crash or a failed attempt): check the thread, then retry.
        foreach (var tracked in await _leases.ClaimPostingAsync(options.BatchSize, cancellationToken).ConfigureAwait(false))
        {
            var text = await _posts.GetTextToPostAsync(tracked.Comment.CommentId, cancellationToken).ConfigureAwait(false);
            if (text is null || TargetOf(tracked.Comment) is not { } target
                || !await ResolveUnknownAsync(tracked, target, text, options, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            await InsertAsync(tracked.Comment, target, text, cancellationToken).ConfigureAwait(false);
        }

        foreach (var state in new[] { CommentState.Approved, CommentState.Edited })
        {
            foreach (var tracked in await _comments.ListByStateAsync(state, options.BatchSize, cancellationToken).ConfigureAwait(false))
            {
                if (TargetOf(tracked.Comment) is not { } target || (target.PostCharge is not null && _quota.CheckPaused()))
                {
                    continue;
                }

                var text = await _posts.TryBeginPostingAsync(tracked.Comment.CommentId, cancellationToken).ConfigureAwait(false);
                if (text is not null)
                {
                    await InsertAsync(tracked.Comment, target, text, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    protected override Task WaitForWorkAsync(CancellationToken cancellationToken) =>
        _signals.Publisher.WaitAsync(_options.CurrentValue.Interval, Time, cancellationToken);

    /// <summary>True when an insert should be tried; false when resolved (found, failed) or not possible now.</summary>
    private async Task<bool> ResolveUnknownAsync(TrackedComment tracked, IReplyTarget target, string text, PublisherOptions options, CancellationToken cancellationToken)
    {
        var comment = tracked.Comment;
        if (!await ChargeAsync(target.FindCharge, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        PublishedReply? existing;
        try
        {
            existing = await target.FindOwnReplyAsync(comment, text, cancellationToken).ConfigureAwait(false);
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
            if (await _posts.MarkPostedAsync(comment.CommentId, existing, cancellationToken).ConfigureAwait(false))
            {
                LogFoundExisting(Logger, comment.CommentId, existing.ReplyId);
            }

            return false;
        }

        if (tracked.PostAttempts >= options.MaxAttempts)
        {
            var reason = $"gave up after {tracked.PostAttempts} attempts; last: {tracked.Reason ?? "unknown outcome"}";
            await _comments.TryTransitionAsync(comment.CommentId, CommentState.Posting, CommentState.PostFailed, reason, cancellationToken).ConfigureAwait(false);
            LogPostFailed(Logger, comment.CommentId, reason);
            return false;
        }

        await _posts.RecordPostAttemptAsync(comment.CommentId, tracked.Reason, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task InsertAsync(Comment comment, IReplyTarget target, string text, CancellationToken cancellationToken)
    {
        if (!await ChargeAsync(target.PostCharge, cancellationToken).ConfigureAwait(false))
        {
            return; // Stays Posting; checked on the thread before the next try, which costs 1 unit.
        }

        PublishedReply reply;
        var renewal = new LeaseRenewal(_leases, comment.CommentId, Time);
        await using var renewing = renewal.ConfigureAwait(false);
        try
        {
            reply = await target.PostReplyAsync(comment, text, cancellationToken).ConfigureAwait(false);
        }
        catch (ExternalServiceException ex) when (ex.Kind == ExternalErrorKind.Permanent)
        {
            await FailAsync(comment.CommentId, ex, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (ExternalServiceException ex) when (ex.Kind == ExternalErrorKind.QuotaExceeded)
        {
            await _quota.PauseUntilResetAsync(cancellationToken).ConfigureAwait(false);
            await _comments.TryTransitionAsync(comment.CommentId, CommentState.Posting, CommentState.Posting, ex.Reason, CancellationToken.None).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Transient or unknown: the comment stays Posting; rethrow so the loop backs off.
            var reason = ex is ExternalServiceException e ? $"{e.Kind} {e.Reason}: {e.Message}" : $"{ex.GetType().Name}: {ex.Message}";
            await _comments.TryTransitionAsync(comment.CommentId, CommentState.Posting, CommentState.Posting, reason, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        // The reply is live. If we die before this commit, the thread check finds it on restart.
        if (await _posts.MarkPostedAsync(comment.CommentId, reply, CancellationToken.None).ConfigureAwait(false))
        {
            LogPosted(Logger, comment.CommentId, reply.ReplyId);
        }
    }

    private Task<bool> ChargeAsync(QuotaCharge? charge, CancellationToken cancellationToken) =>
        charge is null ? Task.FromResult(true) : _quota.TryChargeAsync(charge.Operation, charge.Units, cancellationToken);

    private IReplyTarget? TargetOf(Comment comment)
    {
        var target = _targets.For(comment);
        if (target is null)
        {
            LogNoTarget(Logger, comment.CommentId, CommentOrigin.Of(comment).PlatformName, comment.SourceId ?? "-");
        }

        return target;
    }

    private async Task FailAsync(string commentId, ExternalServiceException ex, CancellationToken cancellationToken)
    {
        var reason = $"{ex.Reason} ({ex.StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no status"}): {ex.Message}";
        await _comments.TryTransitionAsync(commentId, CommentState.Posting, CommentState.PostFailed, reason, cancellationToken).ConfigureAwait(false);
        LogPostFailed(Logger, commentId, reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Posted reply {ReplyId} to comment {CommentId}")]
    private static partial void LogPosted(ILogger logger, string commentId, string replyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Comment {CommentId} already has the channel's reply {ReplyId}; recorded it without posting again")]
    private static partial void LogFoundExisting(ILogger logger, string commentId, string replyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Comment {CommentId} came from {Platform} (entry {Source}), which is not configured as a source; it waits until it is")]
    private static partial void LogNoTarget(ILogger logger, string commentId, string platform, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Posting to comment {CommentId} failed: {Reason}")]
    private static partial void LogPostFailed(ILogger logger, string commentId, string reason);
}
