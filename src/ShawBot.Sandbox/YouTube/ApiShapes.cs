using System.Text.Json.Serialization;

namespace ShawBot.Sandbox.YouTube;

// The YouTube Data API v3 resource shapes the sandbox serves (camelCase by the web JSON defaults).
// Only the fields ShawBot reads or a client would reasonably expect are present.

internal sealed record CommentThreadListResponse(
    string Kind,
    string Etag,
    string? NextPageToken,
    PageInfo PageInfo,
    IReadOnlyList<CommentThreadResource> Items);

internal sealed record CommentListResponse(
    string Kind,
    string Etag,
    string? NextPageToken,
    PageInfo PageInfo,
    IReadOnlyList<CommentResource> Items);

internal sealed record PageInfo(int TotalResults, int ResultsPerPage);

internal sealed record CommentThreadResource(
    string Kind,
    string Etag,
    string Id,
    CommentThreadSnippet Snippet,
    CommentThreadReplies? Replies);

internal sealed record CommentThreadSnippet(
    string ChannelId,
    string VideoId,
    CommentResource TopLevelComment,
    bool CanReply,
    int TotalReplyCount,
    bool IsPublic);

internal sealed record CommentThreadReplies(IReadOnlyList<CommentResource> Comments);

internal sealed record CommentResource(string Kind, string Etag, string Id, CommentSnippet Snippet);

internal sealed record CommentSnippet(
    string AuthorDisplayName,
    string AuthorProfileImageUrl,
    string AuthorChannelUrl,
    AuthorChannelId AuthorChannelId,
    string ChannelId,
    string VideoId,
    string TextDisplay,
    string TextOriginal,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ParentId,
    bool CanRate,
    string ViewerRating,
    int LikeCount,
    string PublishedAt,
    string UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ModerationStatus = null);

internal sealed record AuthorChannelId(string Value);

/// <summary>The API's error body: {"error":{"code","message","errors":[{"message","domain","reason"}],"status"}}.</summary>
internal sealed record ErrorResponse(ErrorBody Error);

internal sealed record ErrorBody(int Code, string Message, IReadOnlyList<ErrorItem> Errors, string Status);

internal sealed record ErrorItem(
    string Message,
    string Domain,
    string Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Location = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? LocationType = null);

internal sealed record VideoListResponse(string Kind, string Etag, PageInfo PageInfo, IReadOnlyList<VideoResource> Items);

internal sealed record VideoResource(string Kind, string Etag, string Id, VideoSnippet Snippet);

internal sealed record VideoSnippet(string ChannelId, string Title, string Description, string ChannelTitle);
