namespace ShawBot.Core.Domain;

/// <summary>A top-level YouTube comment as read from the API.</summary>
/// <param name="CommentId">YouTube comment id of the top-level comment.</param>
/// <param name="ThreadId">YouTube comment thread id (replies are posted with this as parentId).</param>
public sealed record Comment(
    string CommentId,
    string ThreadId,
    string VideoId,
    string? VideoTitle,
    string AuthorChannelId,
    string AuthorDisplayName,
    string Text,
    DateTimeOffset PublishedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>
    /// The id of the "ShawBot:Channels" entry the comment was read from (which YouTube channel: its voice, its
    /// credential). Null for comments stored before the store recorded it: they belong to the default YouTube entry
    /// (the one ShawBot:Channel:ChannelId names), or for Discord to the entry of their server and channel.
    /// </summary>
    public string? SourceId { get; init; }
}

/// <summary>A comment as the store tracks it.</summary>
/// <param name="Reason">Why it was skipped or why posting failed; null otherwise.</param>
/// <param name="CurrentDraftId">The draft under review or approved; null before the first draft.</param>
public sealed record TrackedComment(
    Comment Comment,
    CommentState State,
    string? Reason,
    long? CurrentDraftId,
    int DraftAttempts,
    int PostAttempts,
    DateTimeOffset StateChangedAt);

/// <summary>Sampling settings the writer used; stored with the draft for provenance.</summary>
public sealed record SamplingSettings(double Temperature, double TopP, int MaxNewTokens, long? Seed)
{
    public static SamplingSettings Greedy { get; } = new(0, 1, 512, null);

    public override string ToString() =>
        FormattableString.Invariant($"temperature={Temperature};top_p={TopP};max_new_tokens={MaxNewTokens};seed={Seed?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}");
}

/// <summary>A generated reply stored for review.</summary>
public sealed record Draft(
    long DraftId,
    string CommentId,
    string Text,
    string ModelName,
    string AdapterVersion,
    string Sampling,
    DateTimeOffset CreatedAt);

public enum DecisionKind
{
    Approve,
    Edit,
    Reject,
    Regenerate,
}

/// <summary>Who decided: the id is the moderation channel's user id (Discord snowflake, web login, "auto").</summary>
public sealed record Moderator(string Id, string Name)
{
    public static Moderator Auto { get; } = new("auto", "auto-approve");
}

/// <summary>A moderator's decision on one draft.</summary>
/// <param name="FinalText">The text to post (the draft's for Approve, the moderator's for Edit); null for Reject/Regenerate.</param>
public sealed record Decision(
    long DecisionId,
    long DraftId,
    string CommentId,
    DecisionKind Kind,
    Moderator Moderator,
    string? FinalText,
    DateTimeOffset DecidedAt);

/// <summary>A reply that is live on YouTube. At most one per comment.</summary>
public sealed record PostedReply(string CommentId, string YouTubeReplyId, string Text, DateTimeOffset PostedAt);

/// <summary>A curated (comment, final reply) pair: training data for the nightly adapter.</summary>
public sealed record CuratedExample(
    string CommentId,
    string CommentText,
    string? VideoTitle,
    string Reply,
    bool Edited,
    Moderator Moderator,
    DateTimeOffset DecidedAt,
    DateTimeOffset PostedAt)
{
    /// <summary>The comment's source entry (<see cref="Comment.SourceId"/>); null for comments stored before it was recorded.</summary>
    public string? SourceId { get; init; }
}

/// <summary>A top-level comment with what the poller needs to know about its thread.</summary>
/// <param name="OwnerReplied">True when the channel owner already replied on the thread.</param>
/// <param name="ModerationStatus">YouTube's snippet.moderationStatus (published, heldForReview, likelySpam, rejected) when the API gave it.</param>
public sealed record CommentThread(Comment TopLevel, int TotalReplyCount, bool OwnerReplied, string? ModerationStatus = null);

/// <summary>A video's title and the first lines of its description, as read once with videos.list.</summary>
public sealed record VideoInfo(string VideoId, string Title, string? Description);

/// <summary>One page of threads, newest first.</summary>
public sealed record CommentThreadPage(IReadOnlyList<CommentThread> Threads, string? NextPageToken);

/// <summary>A reply as YouTube returned it after insert (or found it on the thread).</summary>
public sealed record PublishedReply(string ReplyId, string Text, DateTimeOffset PublishedAt);
