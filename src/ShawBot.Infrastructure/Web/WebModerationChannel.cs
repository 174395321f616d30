using ShawBot.Core.Domain;
using ShawBot.Core.Ports;

namespace ShawBot.Infrastructure.Web;

/// <summary>
/// The local web page as a moderation channel. The page reads the queue from the store, so showing a
/// draft only bumps <see cref="Revision"/>, which the page polls to know when to reload.
/// </summary>
public sealed class WebModerationChannel : IModerationChannel
{
    private long _revision;

    public string Name => "web";

    /// <summary>Changes whenever a review appears, changes or goes; the page reloads the queue when it does.</summary>
    public long Revision => Interlocked.Read(ref _revision);

    public Task<string> PublishAsync(ReviewItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        Touch();
        return Task.FromResult("web:" + item.Comment.CommentId);
    }

    public Task UpdateAsync(string reference, ReviewItem item, CancellationToken cancellationToken)
    {
        Touch();
        return Task.CompletedTask;
    }

    public Task RetractAsync(string reference, string commentId, CommentState state, CancellationToken cancellationToken)
    {
        Touch();
        return Task.CompletedTask;
    }

    /// <summary>Marks the queue or history as changed (also after a decision made on the page).</summary>
    public void Touch() => Interlocked.Increment(ref _revision);
}
