using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ShawBot.Sandbox.YouTube;

// The API endpoints: /youtube/v3/commentThreads (GET), /youtube/v3/comments (GET, POST), /youtube/v3/videos (GET).
public sealed partial class YouTubeSandbox
{
    private const int ListCost = 1;
    private const int InsertCost = 50;
    private const int MaxTextLength = 10_000;

    private void MapApi(WebApplication app)
    {
        app.MapGet("/youtube/v3/commentThreads", context => Handle(context, FaultTarget.ListThreads, ListCost, ListThreads));
        app.MapGet("/youtube/v3/comments", context => Handle(context, FaultTarget.ListComments, ListCost, ListComments));
        app.MapPost("/youtube/v3/comments", context => Handle(context, FaultTarget.Insert, InsertCost, InsertComment));
        app.MapGet("/youtube/v3/videos", context => Handle(context, FaultTarget.ListVideos, ListCost, ListVideos));
    }

    /// <summary>Counts the request, applies an injected fault or the quota, then runs the endpoint.</summary>
    private async Task Handle(HttpContext context, FaultTarget target, int cost, Func<HttpContext, Task<IResult>> endpoint)
    {
        Interlocked.Increment(ref _requests);
        var fault = NextFault(target);
        IResult result;
        switch (fault?.Kind)
        {
            case FaultKind.Drop:
                context.Abort();
                return;
            case FaultKind.Slow:
                await Task.Delay(fault.Delay, _options.Time, context.RequestAborted).ConfigureAwait(false);
                goto default;
            case FaultKind.DropAfterCommit:
            case null:
            default:
                if (fault is not null && FaultResult(fault.Kind) is { } faulted)
                {
                    result = faulted;
                    break;
                }

                result = TryChargeQuota(cost)
                    ? await endpoint(context).ConfigureAwait(false)
                    : Error(403, "quotaExceeded", "The request cannot be completed because you have exceeded your quota.", "youtube.quota");
                if (fault?.Kind == FaultKind.DropAfterCommit)
                {
                    context.Abort();
                    return;
                }

                break;
        }

        await result.ExecuteAsync(context).ConfigureAwait(false);
    }

    private static IResult? FaultResult(FaultKind kind) => kind switch
    {
        FaultKind.ServerError => Error(500, "backendError", "Backend Error", "global"),
        FaultKind.ServiceUnavailable => Error(503, "backendError", "The service is currently unavailable.", "global"),
        FaultKind.TooManyRequests => Error(429, "rateLimitExceeded", "Too many requests.", "youtube.quota"),
        FaultKind.QuotaExceeded => Error(403, "quotaExceeded", "The request cannot be completed because you have exceeded your quota.", "youtube.quota"),
        FaultKind.Unauthorized => Error(401, "authError", "Request had invalid authentication credentials.", "global", "Authorization", "header"),
        FaultKind.CommentsDisabled => Error(403, "commentsDisabled", "The video identified by the videoId parameter has disabled comments.", "youtube.commentThread"),
        FaultKind.Forbidden => Error(403, "forbidden", "The comment could not be created due to insufficient permissions.", "youtube.comment"),
        FaultKind.ProcessingFailure => Error(400, "processingFailure", "The API server failed to successfully process the request.", "youtube.comment"),
        _ => null,
    };

    private Task<IResult> ListThreads(HttpContext context)
    {
        var query = context.Request.Query;
        if (Parts(context) is not { Count: > 0 } parts)
        {
            return Task.FromResult(MissingParameter("part"));
        }

        if (!TryPaging(context, out var before, out var take, out var pagingError))
        {
            return Task.FromResult(pagingError!);
        }

        Func<SandboxThread, bool> filter;
        if (query["allThreadsRelatedToChannelId"].ToString() is { Length: > 0 } channel)
        {
            filter = t => t.ChannelId == channel;
        }
        else if (query["videoId"].ToString() is { Length: > 0 } videoId)
        {
            var video = Data.Video(videoId);
            if (video is null)
            {
                return Task.FromResult(Error(404, "videoNotFound", "The video identified by the videoId parameter could not be found.", "youtube.commentThread"));
            }

            if (video.CommentsDisabled)
            {
                return Task.FromResult(FaultResult(FaultKind.CommentsDisabled)!);
            }

            filter = t => t.TopLevel.VideoId == videoId;
        }
        else
        {
            return Task.FromResult(MissingParameter("allThreadsRelatedToChannelId|videoId"));
        }

        // One extra row tells whether another page follows; the token is the last row's sequence.
        var (rows, total) = Data.PageThreads(filter, before, take + 1);
        var page = rows.Take(take).ToList();
        var next = rows.Count > take ? PageToken(page[^1].Thread.Sequence) : null;
        var withReplies = parts.Contains("replies");
        var items = page.Select(p => new CommentThreadResource(
            "youtube#commentThread",
            Etag(p.Thread.TopLevel.Id + p.Replies.Count),
            p.Thread.TopLevel.Id,
            new CommentThreadSnippet(p.Thread.ChannelId, p.Thread.TopLevel.VideoId, ToResource(p.Thread.TopLevel), CanReply(p.Thread.TopLevel.VideoId), p.Replies.Count, true),
            withReplies && p.Replies.Count > 0 ? new CommentThreadReplies([.. p.Replies.Take(5).Select(ToResource)]) : null)).ToList();
        return Task.FromResult(Results.Json(new CommentThreadListResponse(
            "youtube#commentThreadListResponse", Etag("threads" + before + take), next, new PageInfo(total, take), items)));
    }

    /// <summary>videos.list?part=snippet&amp;id=a,b,…: up to 50 ids; unknown ids are left out, as the API does.</summary>
    private Task<IResult> ListVideos(HttpContext context)
    {
        if (Parts(context) is not { Count: > 0 })
        {
            return Task.FromResult(MissingParameter("part"));
        }

        var ids = context.Request.Query["id"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (ids.Count == 0)
        {
            return Task.FromResult(MissingParameter("id"));
        }

        if (ids.Count > 50)
        {
            return Task.FromResult(Error(400, "invalidParameter", "The request specifies more than 50 video ids.", "youtube.parameter", "id", "parameter"));
        }

        var items = ids.Select(Data.Video).OfType<SandboxVideo>()
            .Select(v => new VideoResource("youtube#video", Etag("video" + v.Id), v.Id, new VideoSnippet(v.ChannelId, v.Title, v.Description ?? "", Data.Channel(v.ChannelId)?.OwnerName ?? OwnerName)))
            .ToList();
        return Task.FromResult(Results.Json(new VideoListResponse("youtube#videoListResponse", Etag("videos" + string.Join(',', ids)), new PageInfo(items.Count, items.Count), items)));
    }

    private Task<IResult> ListComments(HttpContext context)
    {
        if (Parts(context) is not { Count: > 0 })
        {
            return Task.FromResult(MissingParameter("part"));
        }

        if (!TryPaging(context, out var after, out var take, out var pagingError, defaultTake: 20))
        {
            return Task.FromResult(pagingError!);
        }

        var parentId = context.Request.Query["parentId"].ToString();
        if (parentId.Length == 0)
        {
            return Task.FromResult(MissingParameter("parentId"));
        }

        var thread = Data.Thread(parentId);
        if (thread is null)
        {
            return Task.FromResult(Error(404, "commentNotFound", "The comment identified by the parentId parameter could not be found.", "youtube.comment"));
        }

        List<SandboxComment> replies;
        lock (Data)
        {
            replies = [.. thread.Replies];
        }

        // Replies page oldest first; the token is the index of the next reply.
        var start = after == long.MaxValue ? 0 : (int)after;
        var page = replies.Skip(start).Take(take).ToList();
        var next = start + page.Count < replies.Count ? PageToken(start + page.Count) : null;
        return Task.FromResult(Results.Json(new CommentListResponse(
            "youtube#commentListResponse", Etag(parentId + start), next, new PageInfo(replies.Count, take), [.. page.Select(ToResource)])));
    }

    private async Task<IResult> InsertComment(HttpContext context)
    {
        if (Parts(context) is not { Count: > 0 } parts || !parts.Contains("snippet"))
        {
            return MissingParameter("part");
        }

        // comments.insert posts as the signed-in channel: the one whose access token the request carries.
        var token = BearerToken(context);
        if (Data.ChannelFor(token) is not { } poster)
        {
            return FaultResult(FaultKind.Unauthorized)!;
        }

        JsonNode? body;
        try
        {
            var stream = context.Request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase)
                ? new GZipStream(context.Request.Body, CompressionMode.Decompress)
                : context.Request.Body;
            await using (stream.ConfigureAwait(false))
            {
                body = await JsonNode.ParseAsync(stream, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (JsonException)
        {
            return Error(400, "parseError", "Parse Error", "global");
        }

        var parentId = body?["snippet"]?["parentId"]?.GetValue<string>();
        var text = body?["snippet"]?["textOriginal"]?.GetValue<string>();
        if (string.IsNullOrEmpty(parentId))
        {
            return Error(400, "invalidCommentMetadata", "The request metadata is invalid: snippet.parentId is required.", "youtube.comment");
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return Error(400, "commentTextRequired", "The comment resource that is being inserted must specify a value for the snippet.textOriginal property.", "youtube.comment");
        }

        if (text.Length > MaxTextLength)
        {
            return Error(400, "commentTextTooLong", "The comment resource that is being inserted contains too many characters in the snippet.textOriginal property.", "youtube.comment");
        }

        var thread = Data.Thread(parentId);
        if (thread is null)
        {
            return Error(404, "commentNotFound", "The parent comment could not be found.", "youtube.comment");
        }

        if (!CanReply(thread.TopLevel.VideoId))
        {
            return FaultResult(FaultKind.CommentsDisabled)!;
        }

        var reply = Data.AddReply(parentId, poster.ChannelId, poster.OwnerName, text, token)!;
        return Results.Json(ToResource(reply));
    }

    private bool CanReply(string videoId) => Data.Video(videoId) is not { CommentsDisabled: true };

    /// <summary>The token of "Authorization: Bearer …"; null when the request carries none.</summary>
    private static string? BearerToken(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }

    private CommentResource ToResource(SandboxComment c) => new(
        "youtube#comment",
        Etag(c.Id),
        c.Id,
        new CommentSnippet(
            c.AuthorDisplayName,
            "https://yt3.ggpht.com/sandbox-avatar.jpg",
            "http://www.youtube.com/channel/" + c.AuthorChannelId,
            new AuthorChannelId(c.AuthorChannelId),
            c.ChannelId.Length > 0 ? c.ChannelId : ChannelId,
            c.VideoId,
            c.Text,
            c.Text,
            c.IsReply ? c.ThreadId : null,
            true,
            "none",
            0,
            SandboxData.Rfc3339(c.PublishedAt),
            SandboxData.Rfc3339(c.PublishedAt),
            c.ModerationStatus));

    private static HashSet<string>? Parts(HttpContext context)
    {
        var values = context.Request.Query["part"];
        if (values.Count == 0)
        {
            return null;
        }

        return [.. values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
    }

    /// <summary>Reads maxResults (1–100) and pageToken; <paramref name="cursor"/> is long.MaxValue on the first page.</summary>
    private static bool TryPaging(HttpContext context, out long cursor, out int take, out IResult? error, int defaultTake = 20)
    {
        cursor = long.MaxValue;
        take = defaultTake;
        error = null;
        var query = context.Request.Query;
        if (query["maxResults"].ToString() is { Length: > 0 } maxText)
        {
            if (!int.TryParse(maxText, out take) || take is < 1 or > 100)
            {
                error = Error(400, "invalidParameter", "Invalid value for maxResults: must be 1 to 100.", "youtube.parameter", "maxResults", "parameter");
                return false;
            }
        }

        if (query["pageToken"].ToString() is { Length: > 0 } token)
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(token));
                if (!decoded.StartsWith('s') || !long.TryParse(decoded.AsSpan(1), out cursor) || cursor < 0)
                {
                    throw new FormatException();
                }
            }
            catch (FormatException)
            {
                error = Error(400, "invalidPageToken", "The page token is invalid.", "youtube.parameter", "pageToken", "parameter");
                return false;
            }
        }

        return true;
    }

    private static string PageToken(long cursor) => Convert.ToBase64String(Encoding.UTF8.GetBytes("s" + cursor));

    private static string Etag(string seed) => Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(Encoding.UTF8.GetBytes(seed)))[..27];

    private static IResult MissingParameter(string name) =>
        Error(400, "required", $"Required parameter: {name}", "global", name, "parameter");

    private static IResult Error(int code, string reason, string message, string domain, string? location = null, string? locationType = null)
    {
        var status = code switch
        {
            400 => "INVALID_ARGUMENT",
            401 => "UNAUTHENTICATED",
            403 => "PERMISSION_DENIED",
            404 => "NOT_FOUND",
            429 => "RESOURCE_EXHAUSTED",
            503 => "UNAVAILABLE",
            _ => "INTERNAL",
        };
        return Results.Json(new ErrorResponse(new ErrorBody(code, message, [new ErrorItem(message, domain, reason, location, locationType)], status)), statusCode: code);
    }
}
