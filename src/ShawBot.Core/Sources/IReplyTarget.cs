using ShawBot.Core.Domain;
using ShawBot.Core.Ports;

namespace ShawBot.Core.Sources;

/// <summary>A call's charge on the YouTube quota ledger.</summary>
public sealed record QuotaCharge(string Operation, int Units);

/// <summary>
/// How a reply reaches one platform: post it, and after an unknown outcome (timeout, crash between the
/// call and the commit) find the reply we already made so it is never posted twice. One per
/// <see cref="SourcePlatform"/>; the publisher picks it by the comment's <see cref="CommentOrigin"/>.
/// Failures surface as <see cref="ExternalServiceException"/>.
/// </summary>
public interface IReplyTarget
{
    SourcePlatform Platform { get; }

    /// <summary>Quota charged before <see cref="PostReplyAsync"/>; null when the platform has no quota (Discord: rate limits only).</summary>
    QuotaCharge? PostCharge { get; }

    /// <summary>Quota charged before <see cref="FindOwnReplyAsync"/>; null when none.</summary>
    QuotaCharge? FindCharge { get; }

    /// <summary>Whether this target can post to <paramref name="comment"/> now (its channel is configured); a comment it cannot serve waits.</summary>
    bool Serves(Comment comment) => true;

    Task<PublishedReply> PostReplyAsync(Comment comment, string text, CancellationToken cancellationToken);

    /// <summary>
    /// Our reply to <paramref name="comment"/> if all of it is live, else null. A reply posted in several
    /// parts may be found partly live: the target remembers the parts it found, returns null, and the next
    /// <see cref="PostReplyAsync"/> posts only the missing ones.
    /// </summary>
    Task<PublishedReply?> FindOwnReplyAsync(Comment comment, string text, CancellationToken cancellationToken);
}
