namespace ShawBot.Core.Domain;

/// <summary>What the reply writer gets: the comment's fields, never a rendered prompt.</summary>
/// <param name="VideoTitle">The video's title (template slot {video_title}); null when unknown.</param>
/// <param name="CommentLanguage">The comment's language in English ("German"), from screening (slot {comment_language}); null when not detected.</param>
/// <param name="VideoDescription">First lines of the video's description (slot {video_description}); null when unknown.</param>
/// <param name="SourceId">The comment's "ShawBot:Channels" entry (<see cref="Comment.SourceId"/>): whose voice drafts it.</param>
public sealed record ReplyRequest(
    string CommentId,
    string Text,
    string AuthorDisplayName,
    string? VideoTitle,
    string? CommentLanguage = null,
    string? VideoDescription = null,
    string? SourceId = null);

/// <summary>What the reply writer returns, with enough provenance to reproduce it.</summary>
public sealed record ReplyDraft(string Text, string ModelName, string AdapterVersion, SamplingSettings Sampling);

/// <summary>A draft with its comment, as a moderation channel shows it.</summary>
/// <param name="Flags">Screening notes for the moderator (e.g. "possible prompt injection"); empty when none.</param>
public sealed record ReviewItem(Comment Comment, Draft Draft, IReadOnlyList<string> Flags);
