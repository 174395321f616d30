using ShawBot.Core.Domain;
using ShawBot.Core.Ports;

namespace ShawBot.Core.Sources;

/// <summary>YouTube through <see cref="IReplyPublisher"/>: comments.insert on the thread, comments.list to look for our reply.</summary>
public sealed class YouTubeReplyTarget(IReplyPublisher publisher) : IReplyTarget
{
    private static readonly QuotaCharge Insert = new("comments.insert", QuotaCosts.Insert);
    private static readonly QuotaCharge List = new("comments.list", QuotaCosts.List);

    public SourcePlatform Platform => SourcePlatform.YouTube;

    public QuotaCharge? PostCharge => Insert;

    public QuotaCharge? FindCharge => List;

    public Task<PublishedReply> PostReplyAsync(Comment comment, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(comment);
        return publisher.PostReplyAsync(comment.ThreadId, text, cancellationToken);
    }

    public Task<PublishedReply?> FindOwnReplyAsync(Comment comment, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(comment);
        return publisher.FindOwnReplyAsync(comment.ThreadId, cancellationToken);
    }
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

    /// <summary>The target for the comment's platform, or null when that platform is not configured.</summary>
    public IReplyTarget? For(Comment comment) => _targets.GetValueOrDefault(CommentOrigin.Of(comment).Platform);
}
