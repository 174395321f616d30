using ShawBot.Core.Domain;

namespace ShawBot.Core.Ports;

/// <summary>
/// Where moderators see drafts (Discord, the local web page, auto-approve in tests).
/// The channel shows drafts; decisions come back through
/// <see cref="Moderation.ModerationService.DecideAsync"/>, which is idempotent, so a channel may
/// deliver a button press twice.
/// </summary>
public interface IModerationChannel
{
    /// <summary>Stable name stored with the message reference ("discord", "web", "auto").</summary>
    string Name { get; }

    /// <summary>Shows a draft for review; returns the channel's reference to it (e.g. a message id).</summary>
    Task<string> PublishAsync(ReviewItem item, CancellationToken cancellationToken);

    /// <summary>Replaces the shown draft (after Regenerate) in the message <paramref name="reference"/>.</summary>
    Task UpdateAsync(string reference, ReviewItem item, CancellationToken cancellationToken);

    /// <summary>Takes a review down or marks it final (decided elsewhere, skipped, posted).</summary>
    Task RetractAsync(string reference, string commentId, CommentState state, CancellationToken cancellationToken);
}
