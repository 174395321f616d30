using ShawBot.Core.Domain;

namespace ShawBot.Core.Ports;

/// <summary>
/// Reads the channel's comment threads, newest first. Each call is one API request
/// (quota: <see cref="QuotaCosts.List"/> units). Failures surface as <see cref="ExternalServiceException"/>.
/// </summary>
public interface ICommentSource
{
    Task<CommentThreadPage> ListThreadsAsync(string? pageToken, CancellationToken cancellationToken);
}

/// <summary>
/// Posts replies. Failures surface as <see cref="ExternalServiceException"/>; a timeout or dropped
/// connection is an unknown outcome, which the caller resolves with <see cref="FindOwnReplyAsync"/>.
/// </summary>
public interface IReplyPublisher
{
    /// <summary>comments.insert with parentId = <paramref name="threadId"/> (quota: <see cref="QuotaCosts.Insert"/>).</summary>
    Task<PublishedReply> PostReplyAsync(string threadId, string text, CancellationToken cancellationToken);

    /// <summary>The channel owner's reply on the thread, or null (quota: <see cref="QuotaCosts.List"/> per page).</summary>
    Task<PublishedReply?> FindOwnReplyAsync(string threadId, CancellationToken cancellationToken);
}

/// <summary>YouTube Data API quota costs, in units.</summary>
public static class QuotaCosts
{
    public const int List = 1;
    public const int Insert = 50;
}
