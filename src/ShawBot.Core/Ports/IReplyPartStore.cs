namespace ShawBot.Core.Ports;

/// <summary>One message of a reply posted as several (Discord caps a message at 2,000 characters).</summary>
/// <param name="AttemptedAt">When the last POST of this part started (the reply cannot be older).</param>
/// <param name="MessageId">The platform's id once the part is known to be posted; null while the outcome is unknown.</param>
public sealed record ReplyPart(string CommentId, int Part, DateTimeOffset AttemptedAt, string? MessageId, DateTimeOffset? SentAt);

/// <summary>
/// Durable record of each part of a multi-message reply: an attempt is written before the call and the
/// message id after it, so a retry after an unknown outcome knows which parts are live and where to look.
/// </summary>
public interface IReplyPartStore
{
    /// <summary>Records that part <paramref name="part"/> is about to be posted (no effect once it has a message id).</summary>
    Task MarkAttemptAsync(string commentId, int part, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Records the part's message id (first id wins; a message id belongs to one part).</summary>
    Task RecordSentAsync(string commentId, int part, string messageId, DateTimeOffset sentAt, CancellationToken cancellationToken);

    /// <summary>The comment's parts, by part number.</summary>
    Task<IReadOnlyList<ReplyPart>> ListPartsAsync(string commentId, CancellationToken cancellationToken);
}
