using Microsoft.Extensions.Options;
using ShawBot.Core.Options;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.YouTube.Api;
using CoreComment = ShawBot.Core.Domain.Comment;
using CoreThread = ShawBot.Core.Domain.CommentThread;
using CoreThreadPage = ShawBot.Core.Domain.CommentThreadPage;

namespace ShawBot.Infrastructure.YouTube;

/// <summary>commentThreads.list over the whole channel, newest first, 100 per page, plain text.</summary>
public sealed class YouTubeCommentSource : ICommentSource
{
    private readonly YouTubeClient _client;
    private readonly Func<string> _channelId;

    /// <summary>The default channel (ShawBot:Channel:ChannelId).</summary>
    public YouTubeCommentSource(YouTubeClient client, IOptionsMonitor<ChannelOptions> channel)
        : this(client, () => channel.CurrentValue.ChannelId)
    {
    }

    /// <summary>One channel of "ShawBot:Channels", read through its own client.</summary>
    public YouTubeCommentSource(YouTubeClient client, string channelId)
        : this(client, () => channelId)
    {
    }

    private YouTubeCommentSource(YouTubeClient client, Func<string> channelId)
    {
        _client = client;
        _channelId = channelId;
    }

    public async Task<CoreThreadPage> ListThreadsAsync(string? pageToken, CancellationToken cancellationToken)
    {
        var channelId = _channelId();
        var response = await _client.ExecuteAsync(
            token =>
            {
                var request = _client.Service.CommentThreads.List("snippet,replies");
                request.AllThreadsRelatedToChannelId = channelId;
                request.Order = CommentThreadsResource.ListRequest.OrderEnum.Time;
                request.MaxResults = _client.PageSize;
                request.PageToken = pageToken;
                request.TextFormat = CommentThreadsResource.ListRequest.TextFormatEnum.PlainText;
                return request.ExecuteAsync(token);
            },
            isWrite: false,
            cancellationToken).ConfigureAwait(false);

        var threads = new List<CoreThread>(response.Items?.Count ?? 0);
        foreach (var item in response.Items ?? [])
        {
            if (ToThread(item, channelId) is { } thread)
            {
                threads.Add(thread);
            }
        }

        return new CoreThreadPage(threads, string.IsNullOrEmpty(response.NextPageToken) ? null : response.NextPageToken);
    }

    /// <summary>Maps one thread; null when the API left out what a comment needs (id, time).</summary>
    internal static CoreThread? ToThread(CommentThread item, string channelId)
    {
        var top = item.Snippet?.TopLevelComment;
        var snippet = top?.Snippet;
        if (item.Id is null || top?.Id is null || snippet?.PublishedAt is not { } published)
        {
            return null;
        }

        var comment = new CoreComment(
            top.Id,
            item.Id,
            snippet.VideoId ?? item.Snippet!.VideoId ?? "",
            VideoTitle: null, // commentThreads.list does not carry titles.
            snippet.AuthorChannelId?.Value ?? "",
            snippet.AuthorDisplayName ?? "",
            snippet.TextOriginal ?? snippet.TextDisplay ?? "",
            published,
            snippet.UpdatedAt ?? published);
        var replies = item.Replies?.Comments ?? [];
        var ownerReplied = replies.Any(r => r.Snippet?.AuthorChannelId?.Value == channelId);
        return new CoreThread(comment, (int)(item.Snippet!.TotalReplyCount ?? replies.Count), ownerReplied, snippet.ModerationStatus);
    }
}
