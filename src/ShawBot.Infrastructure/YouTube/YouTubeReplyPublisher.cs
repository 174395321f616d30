using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Core.Options;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.YouTube.Api;
using ApiComment = ShawBot.Infrastructure.YouTube.Api.Comment;

namespace ShawBot.Infrastructure.YouTube;

/// <summary>
/// comments.insert for replies (as the channel whose credential the client carries), and the thread check that
/// makes posting idempotent (that channel's own reply on the thread).
/// </summary>
public sealed class YouTubeReplyPublisher : IReplyPublisher
{
    private const int MaxReplyPages = 20;

    private readonly YouTubeClient _client;
    private readonly Func<string> _channelId;

    /// <summary>The default channel (ShawBot:Channel:ChannelId).</summary>
    public YouTubeReplyPublisher(YouTubeClient client, IOptionsMonitor<ChannelOptions> channel)
        : this(client, () => channel.CurrentValue.ChannelId)
    {
    }

    /// <summary>One channel of "ShawBot:Channels", posting through a client with that channel's credential.</summary>
    public YouTubeReplyPublisher(YouTubeClient client, string channelId)
        : this(client, () => channelId)
    {
    }

    private YouTubeReplyPublisher(YouTubeClient client, Func<string> channelId)
    {
        _client = client;
        _channelId = channelId;
    }

    public async Task<PublishedReply> PostReplyAsync(string threadId, string text, CancellationToken cancellationToken)
    {
        var body = new ApiComment { Snippet = new CommentSnippet { ParentId = threadId, TextOriginal = text } };
        var posted = await _client.ExecuteAsync(
            token => _client.Service.Comments.Insert(body, "snippet").ExecuteAsync(token),
            isWrite: true,
            cancellationToken).ConfigureAwait(false);
        if (posted.Id is null)
        {
            throw new ExternalServiceException(ExternalErrorKind.UnknownOutcome, "invalidResponse", 200, "comments.insert returned no id");
        }

        return new PublishedReply(posted.Id, posted.Snippet?.TextOriginal ?? text, posted.Snippet?.PublishedAt ?? DateTimeOffset.UtcNow);
    }

    public async Task<PublishedReply?> FindOwnReplyAsync(string threadId, CancellationToken cancellationToken)
    {
        var channelId = _channelId();
        string? pageToken = null;
        for (var page = 0; page < MaxReplyPages; page++)
        {
            var token0 = pageToken;
            var response = await _client.ExecuteAsync(
                token =>
                {
                    var request = _client.Service.Comments.List("snippet");
                    request.ParentId = threadId;
                    request.MaxResults = 100;
                    request.PageToken = token0;
                    request.TextFormat = CommentThreadsResource.ListRequest.TextFormatEnum.PlainText;
                    return request.ExecuteAsync(token);
                },
                isWrite: false,
                cancellationToken).ConfigureAwait(false);
            var own = response.Items?.FirstOrDefault(c => c.Snippet?.AuthorChannelId?.Value == channelId && c.Id is not null);
            if (own is not null)
            {
                return new PublishedReply(own.Id!, own.Snippet!.TextOriginal ?? "", own.Snippet.PublishedAt ?? DateTimeOffset.UtcNow);
            }

            pageToken = response.NextPageToken;
            if (string.IsNullOrEmpty(pageToken))
            {
                break;
            }
        }

        return null;
    }
}
