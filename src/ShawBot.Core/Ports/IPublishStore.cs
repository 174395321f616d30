using ShawBot.Core.Domain;

namespace ShawBot.Core.Ports;

/// <summary>Posting approved replies exactly once: the publisher's claims, attempts and the posted replies.</summary>
public interface IPublishStore
{
    /// <summary>Approved | Edited → Posting; increments the post attempt count. Returns the text to post, or null.</summary>
    Task<string?> TryBeginPostingAsync(string commentId, CancellationToken cancellationToken);

    /// <summary>The final text of the current draft's decision (for a comment already Posting).</summary>
    Task<string?> GetTextToPostAsync(string commentId, CancellationToken cancellationToken);

    /// <summary>Posting → Posted with the reply row (UNIQUE per comment and per reply id). False when not Posting.</summary>
    Task<bool> MarkPostedAsync(string commentId, PublishedReply reply, CancellationToken cancellationToken);

    /// <summary>Counts one more insert attempt on a Posting comment and keeps the last error; returns the new count.</summary>
    Task<int> RecordPostAttemptAsync(string commentId, string? lastError, CancellationToken cancellationToken);

    Task<IReadOnlyList<PostedReply>> ListPostedRepliesAsync(CancellationToken cancellationToken);
}
