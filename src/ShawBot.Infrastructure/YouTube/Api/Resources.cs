using System.Globalization;
using Google.Apis.Requests;
using Newtonsoft.Json;

namespace ShawBot.Infrastructure.YouTube.Api;

// Resource classes in the API's JSON shapes (https://developers.google.com/youtube/v3/docs/comments,
// .../commentThreads). Only what ShawBot reads or writes; unknown fields are ignored on read.

public sealed class CommentThreadListResponse : IDirectResponseSchema
{
    [JsonProperty("kind")] public string? Kind { get; set; }

    [JsonProperty("etag")] public string? ETag { get; set; }

    [JsonProperty("nextPageToken")] public string? NextPageToken { get; set; }

    [JsonProperty("pageInfo")] public PageInfo? PageInfo { get; set; }

    [JsonProperty("items")] public IList<CommentThread>? Items { get; set; }
}

public sealed class CommentListResponse : IDirectResponseSchema
{
    [JsonProperty("kind")] public string? Kind { get; set; }

    [JsonProperty("etag")] public string? ETag { get; set; }

    [JsonProperty("nextPageToken")] public string? NextPageToken { get; set; }

    [JsonProperty("pageInfo")] public PageInfo? PageInfo { get; set; }

    [JsonProperty("items")] public IList<Comment>? Items { get; set; }
}

public sealed class PageInfo
{
    [JsonProperty("totalResults")] public int? TotalResults { get; set; }

    [JsonProperty("resultsPerPage")] public int? ResultsPerPage { get; set; }
}

public sealed class CommentThread : IDirectResponseSchema
{
    [JsonProperty("kind")] public string? Kind { get; set; }

    [JsonProperty("etag")] public string? ETag { get; set; }

    [JsonProperty("id")] public string? Id { get; set; }

    [JsonProperty("snippet")] public CommentThreadSnippet? Snippet { get; set; }

    [JsonProperty("replies")] public CommentThreadReplies? Replies { get; set; }
}

public sealed class CommentThreadSnippet
{
    [JsonProperty("channelId")] public string? ChannelId { get; set; }

    [JsonProperty("videoId")] public string? VideoId { get; set; }

    [JsonProperty("topLevelComment")] public Comment? TopLevelComment { get; set; }

    [JsonProperty("canReply")] public bool? CanReply { get; set; }

    [JsonProperty("totalReplyCount")] public long? TotalReplyCount { get; set; }

    [JsonProperty("isPublic")] public bool? IsPublic { get; set; }
}

public sealed class CommentThreadReplies
{
    [JsonProperty("comments")] public IList<Comment>? Comments { get; set; }
}

public sealed class Comment : IDirectResponseSchema
{
    [JsonProperty("kind")] public string? Kind { get; set; }

    [JsonProperty("etag")] public string? ETag { get; set; }

    [JsonProperty("id")] public string? Id { get; set; }

    [JsonProperty("snippet")] public CommentSnippet? Snippet { get; set; }
}

public sealed class CommentSnippet
{
    [JsonProperty("authorDisplayName")] public string? AuthorDisplayName { get; set; }

    [JsonProperty("authorProfileImageUrl")] public string? AuthorProfileImageUrl { get; set; }

    [JsonProperty("authorChannelUrl")] public string? AuthorChannelUrl { get; set; }

    [JsonProperty("authorChannelId")] public CommentSnippetAuthorChannelId? AuthorChannelId { get; set; }

    [JsonProperty("channelId")] public string? ChannelId { get; set; }

    [JsonProperty("videoId")] public string? VideoId { get; set; }

    [JsonProperty("textDisplay")] public string? TextDisplay { get; set; }

    [JsonProperty("textOriginal")] public string? TextOriginal { get; set; }

    [JsonProperty("parentId")] public string? ParentId { get; set; }

    [JsonProperty("canRate")] public bool? CanRate { get; set; }

    [JsonProperty("viewerRating")] public string? ViewerRating { get; set; }

    [JsonProperty("likeCount")] public long? LikeCount { get; set; }

    [JsonProperty("moderationStatus")] public string? ModerationStatus { get; set; }

    /// <summary>RFC 3339 text as sent; see <see cref="PublishedAt"/>.</summary>
    [JsonProperty("publishedAt")] public string? PublishedAtRaw { get; set; }

    [JsonProperty("updatedAt")] public string? UpdatedAtRaw { get; set; }

    [JsonIgnore] public DateTimeOffset? PublishedAt => ParseTime(PublishedAtRaw);

    [JsonIgnore] public DateTimeOffset? UpdatedAt => ParseTime(UpdatedAtRaw);

    private static DateTimeOffset? ParseTime(string? raw) =>
        raw is null ? null : DateTimeOffset.Parse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}

public sealed class CommentSnippetAuthorChannelId
{
    [JsonProperty("value")] public string? Value { get; set; }
}
