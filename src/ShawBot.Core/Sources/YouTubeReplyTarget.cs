using ShawBot.Core.Domain;
using ShawBot.Core.Ports;

namespace ShawBot.Core.Sources;

/// <summary>
/// YouTube through the comment's channel (<see cref="YouTubeChannels.For"/>): comments.insert on the thread with
/// that channel's credential, comments.list to look for that channel's own reply.
/// </summary>
public sealed class YouTubeReplyTarget(YouTubeChannels channels) : IReplyTarget
{
    private static readonly QuotaCharge Insert = new("comments.insert", QuotaCosts.Insert);
    private static readonly QuotaCharge List = new("comments.list", QuotaCosts.List);

    public SourcePlatform Platform => SourcePlatform.YouTube;

    public QuotaCharge? PostCharge => Insert;

    public QuotaCharge? FindCharge => List;

    /// <summary>Only comments of a configured channel: one whose entry was removed waits rather than post as another channel.</summary>
    public bool Serves(Comment comment) => channels.For(comment) is not null;

    public Task<PublishedReply> PostReplyAsync(Comment comment, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(comment);
        return ChannelOf(comment).Replies.PostReplyAsync(comment.ThreadId, text, cancellationToken);
    }

    public Task<PublishedReply?> FindOwnReplyAsync(Comment comment, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(comment);
        return ChannelOf(comment).Replies.FindOwnReplyAsync(comment.ThreadId, cancellationToken);
    }

    private YouTubeChannel ChannelOf(Comment comment) =>
        channels.For(comment) ?? throw new InvalidOperationException($"Comment {comment.CommentId} belongs to no configured YouTube channel (entry '{comment.SourceId}').");
}

/// <summary>The registered <see cref="IReplyTarget"/>s by platform: the one place that maps a comment to its target.</summary>
public sealed class ReplyTargets
{
    private readonly Dictionary<SourcePlatform, IReplyTarget> _targets;

    public ReplyTargets(IEnumerable<IReplyTarget> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        _targets = [];
        foreach (var target in targets)
        {
            if (!_targets.TryAdd(target.Platform, target))
            {
                throw new InvalidOperationException($"Two reply targets are registered for {target.Platform}: {_targets[target.Platform].GetType().Name} and {target.GetType().Name}.");
            }
        }
    }

    /// <summary>The target for the comment's platform, or null when that platform (or the comment's channel) is not configured.</summary>
    public IReplyTarget? For(Comment comment) =>
        _targets.GetValueOrDefault(CommentOrigin.Of(comment).Platform) is { } target && target.Serves(comment) ? target : null;
}
