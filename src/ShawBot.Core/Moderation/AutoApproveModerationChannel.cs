using System.Globalization;
using ShawBot.Core.Domain;
using ShawBot.Core.Ports;

namespace ShawBot.Core.Moderation;

/// <summary>Approves every draft as soon as it is shown (tests, demo, unattended runs).</summary>
public sealed class AutoApproveModerationChannel : IModerationChannel
{
    private readonly ModerationService _moderation;

    public AutoApproveModerationChannel(ModerationService moderation) => _moderation = moderation;

    public string Name => "auto";

    public async Task<string> PublishAsync(ReviewItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        await _moderation.DecideAsync(item.Draft.DraftId, DecisionKind.Approve, Moderator.Auto, null, cancellationToken).ConfigureAwait(false);
        return "auto:" + item.Comment.CommentId;
    }

    public Task UpdateAsync(string reference, ReviewItem item, CancellationToken cancellationToken) =>
        PublishAsync(item, cancellationToken);

    public Task RetractAsync(string reference, string commentId, CommentState state, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}
