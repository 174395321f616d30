using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Core.Options;
using ShawBot.Core.Pipeline;
using ShawBot.Core.Ports;

namespace ShawBot.Core.Moderation;

/// <summary>
/// Where decisions from any moderation channel land. Idempotent: a draft is decided once; a second
/// press (or a decision on a superseded draft) returns <see cref="DecisionStatus.AlreadyHandled"/>.
/// </summary>
public sealed partial class ModerationService
{
    private readonly ICommentIngest _comments;
    private readonly IReviewStore _reviews;
    private readonly PipelineSignals _signals;
    private readonly IOptionsMonitor<DrafterOptions> _drafter;
    private readonly TimeProvider _time;
    private readonly ILogger<ModerationService> _logger;

    public ModerationService(ICommentIngest comments, IReviewStore reviews, PipelineSignals signals, IOptionsMonitor<DrafterOptions> drafter, TimeProvider time, ILogger<ModerationService> logger)
    {
        _comments = comments;
        _reviews = reviews;
        _signals = signals;
        _drafter = drafter;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Decides draft <paramref name="draftId"/>. Approve posts the draft's text, Edit posts
    /// <paramref name="editedText"/>, Reject ends the comment, Regenerate sends it back to the drafter
    /// (the channel gets <see cref="IModerationChannel.UpdateAsync"/> with the new draft).
    /// </summary>
    public async Task<DecisionResult> DecideAsync(long draftId, DecisionKind kind, Moderator moderator, string? editedText, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(moderator);
        var draft = await _reviews.GetDraftAsync(draftId, cancellationToken).ConfigureAwait(false);
        if (draft is null)
        {
            return new DecisionResult(DecisionStatus.NotFound, null, $"no draft {draftId}");
        }

        string? finalText = null;
        switch (kind)
        {
            case DecisionKind.Approve:
                finalText = draft.Text;
                break;
            case DecisionKind.Edit:
                finalText = editedText?.Trim();
                var max = _drafter.CurrentValue.MaxReplyLength;
                if (string.IsNullOrEmpty(finalText) || finalText.Length > max)
                {
                    var current = await _comments.GetCommentAsync(draft.CommentId, cancellationToken).ConfigureAwait(false);
                    return new DecisionResult(DecisionStatus.Invalid, current?.State, $"edited text must be 1 to {max} characters");
                }

                break;
            case DecisionKind.Reject:
            case DecisionKind.Regenerate:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }

        var result = await _reviews.RecordDecisionAsync(draftId, kind, moderator, finalText, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        LogDecision(_logger, draftId, draft.CommentId, kind, moderator.Id, result.Status);
        if (result.IsAccepted)
        {
            if (kind is DecisionKind.Approve or DecisionKind.Edit)
            {
                _signals.Publisher.Notify();
            }
            else if (kind == DecisionKind.Regenerate)
            {
                _signals.Drafter.Notify();
            }
        }

        return result;
    }

    /// <summary>Decides the current draft of <paramref name="commentId"/>.</summary>
    public async Task<DecisionResult> DecideCommentAsync(string commentId, DecisionKind kind, Moderator moderator, string? editedText, CancellationToken cancellationToken)
    {
        var tracked = await _comments.GetCommentAsync(commentId, cancellationToken).ConfigureAwait(false);
        if (tracked?.CurrentDraftId is not { } draftId)
        {
            return new DecisionResult(tracked is null ? DecisionStatus.NotFound : DecisionStatus.AlreadyHandled, tracked?.State, "no draft under review");
        }

        return await DecideAsync(draftId, kind, moderator, editedText, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Shorthand for <see cref="DecisionKind.Regenerate"/>.</summary>
    public Task<DecisionResult> RegenerateAsync(long draftId, Moderator moderator, CancellationToken cancellationToken) =>
        DecideAsync(draftId, DecisionKind.Regenerate, moderator, null, cancellationToken);

    /// <summary>The draft and its comment, for a channel that needs to re-render a review.</summary>
    public async Task<ReviewItem?> GetReviewAsync(long draftId, CancellationToken cancellationToken)
    {
        var draft = await _reviews.GetDraftAsync(draftId, cancellationToken).ConfigureAwait(false);
        var tracked = draft is null ? null : await _comments.GetCommentAsync(draft.CommentId, cancellationToken).ConfigureAwait(false);
        return tracked is null ? null : new ReviewItem(tracked.Comment, draft!, []);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Decision {Kind} on draft {DraftId} (comment {CommentId}) by {ModeratorId}: {Status}")]
    private static partial void LogDecision(ILogger logger, long draftId, string commentId, DecisionKind kind, string moderatorId, DecisionStatus status);
}
