using Google;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ShawBot.Core.Options;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.Tests.Support;
using ShawBot.Infrastructure.YouTube;
using ShawBot.Infrastructure.YouTube.Api;
using ShawBot.Sandbox.YouTube;

namespace ShawBot.Infrastructure.Tests.YouTube;

/// <summary>The Google.Apis-based client against the sandbox over loopback.</summary>
public sealed class YouTubeClientSandboxTests : IAsyncLifetime
{
    private readonly YouTubeSandbox _sandbox = new();

    public Task InitializeAsync() => _sandbox.StartAsync();

    public Task DisposeAsync() => _sandbox.StopAsync();

    private YouTubeClient Client(int maxRetries = 0, int pageSize = 100, TimeSpan? timeout = null) => new(
        Options.Create(new YouTubeOptions
        {
            BaseUri = _sandbox.BaseUri.ToString(),
            MaxRetries = maxRetries,
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            PageSize = pageSize,
            RequestTimeout = timeout ?? TimeSpan.FromSeconds(5),
        }),
        NullLogger<YouTubeClient>.Instance);

    private IOptionsMonitor<ChannelOptions> Channel => new StaticOptions<ChannelOptions>(new ChannelOptions { ChannelId = _sandbox.ChannelId });

    [Fact]
    public async Task Raw_request_classes_page_commentThreads_newest_first_with_real_shapes()
    {
        var added = _sandbox.Seed(Seeds.Make(250));
        using var client = Client();
        var seen = new List<CommentThread>();
        string? token = null;
        var pages = 0;
        do
        {
            var request = client.Service.CommentThreads.List("snippet,replies");
            request.AllThreadsRelatedToChannelId = _sandbox.ChannelId;
            request.Order = CommentThreadsResource.ListRequest.OrderEnum.Time;
            request.MaxResults = 100;
            request.PageToken = token;
            request.TextFormat = CommentThreadsResource.ListRequest.TextFormatEnum.PlainText;
            var response = await request.ExecuteAsync();
            Assert.Equal("youtube#commentThreadListResponse", response.Kind);
            Assert.Equal(250, response.PageInfo!.TotalResults);
            seen.AddRange(response.Items!);
            token = response.NextPageToken;
            pages++;
        }
        while (token is not null);

        Assert.Equal(3, pages);
        Assert.Equal(added.Select(c => c.Id).Reverse(), seen.Select(t => t.Id));
        var newest = seen[0];
        var last = added[^1];
        Assert.Equal("youtube#commentThread", newest.Kind);
        Assert.Equal(last.Id, newest.Snippet!.TopLevelComment!.Id);
        Assert.Equal(last.Text, newest.Snippet.TopLevelComment.Snippet!.TextOriginal);
        Assert.Equal(last.AuthorChannelId, newest.Snippet.TopLevelComment.Snippet.AuthorChannelId!.Value);
        Assert.Equal(last.PublishedAt, newest.Snippet.TopLevelComment.Snippet.PublishedAt);
        Assert.Equal(last.VideoId, newest.Snippet.VideoId);
    }

    [Fact]
    public async Task Source_maps_threads_and_marks_owner_answered_ones()
    {
        var comments = _sandbox.Seed(Seeds.Make(3));
        _sandbox.AddOwnerReply(comments[1].ThreadId, "answered by hand");
        using var client = Client(pageSize: 2);
        var source = new YouTubeCommentSource(client, Channel);

        var first = await source.ListThreadsAsync(null, CancellationToken.None);
        var second = await source.ListThreadsAsync(first.NextPageToken, CancellationToken.None);

        Assert.Equal([comments[2].Id, comments[1].Id], first.Threads.Select(t => t.TopLevel.CommentId));
        Assert.Equal([false, true], first.Threads.Select(t => t.OwnerReplied));
        Assert.Equal(1, first.Threads[1].TotalReplyCount);
        Assert.Equal([comments[0].Id], second.Threads.Select(t => t.TopLevel.CommentId));
        Assert.Null(second.NextPageToken);
        Assert.Equal(comments[0].Text, second.Threads[0].TopLevel.Text);
        Assert.Equal(comments[0].AuthorDisplayName, second.Threads[0].TopLevel.AuthorDisplayName);
    }

    [Fact]
    public async Task Publisher_inserts_a_reply_and_finds_it_on_the_thread()
    {
        var comment = _sandbox.AddComment(new SeedComment("v1", "Video one", "ann", "great video"));
        using var client = Client();
        var publisher = new YouTubeReplyPublisher(client, Channel);

        Assert.Null(await publisher.FindOwnReplyAsync(comment.ThreadId, CancellationToken.None));
        var posted = await publisher.PostReplyAsync(comment.ThreadId, "Thanks ann! –ShawGPT", CancellationToken.None);
        var found = await publisher.FindOwnReplyAsync(comment.ThreadId, CancellationToken.None);

        var reply = Assert.Single(_sandbox.OwnerReplies());
        Assert.Equal(reply.Id, posted.ReplyId);
        Assert.Equal(comment.ThreadId, reply.ThreadId);
        Assert.Equal("Thanks ann! –ShawGPT", reply.Text);
        Assert.Equal(posted, found);
    }

    public static TheoryData<FaultKind, int, string, ExternalErrorKind, ExternalErrorKind> Errors => new()
    {
        // fault, HTTP status, reason, kind on read, kind on write
        { FaultKind.ServerError, 500, "backendError", ExternalErrorKind.Transient, ExternalErrorKind.UnknownOutcome },
        { FaultKind.ServiceUnavailable, 503, "backendError", ExternalErrorKind.Transient, ExternalErrorKind.UnknownOutcome },
        { FaultKind.TooManyRequests, 429, "rateLimitExceeded", ExternalErrorKind.Transient, ExternalErrorKind.Transient },
        { FaultKind.QuotaExceeded, 403, "quotaExceeded", ExternalErrorKind.QuotaExceeded, ExternalErrorKind.QuotaExceeded },
        { FaultKind.Unauthorized, 401, "authError", ExternalErrorKind.Unauthorized, ExternalErrorKind.Unauthorized },
        { FaultKind.CommentsDisabled, 403, "commentsDisabled", ExternalErrorKind.Permanent, ExternalErrorKind.Permanent },
        { FaultKind.Forbidden, 403, "forbidden", ExternalErrorKind.Permanent, ExternalErrorKind.Permanent },
        { FaultKind.ProcessingFailure, 400, "processingFailure", ExternalErrorKind.Permanent, ExternalErrorKind.Permanent },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task Every_error_surfaces_as_GoogleApiException_and_is_classified(FaultKind fault, int status, string reason, ExternalErrorKind onRead, ExternalErrorKind onWrite)
    {
        var comment = _sandbox.AddComment(new SeedComment(null, null, "bob", "hi"));
        using var client = Client();

        // The raw client: GoogleApiException with the status and the reason from the error body.
        _sandbox.InjectFault(new SandboxFault(fault, FaultTarget.ListThreads));
        var request = client.Service.CommentThreads.List("snippet");
        request.AllThreadsRelatedToChannelId = _sandbox.ChannelId;
        var raw = await Assert.ThrowsAsync<GoogleApiException>(() => request.ExecuteAsync());
        Assert.Equal(status, (int)raw.HttpStatusCode);
        Assert.Equal(reason, raw.Error.Errors[0].Reason);

        // The adapters: classified, reads and writes apart.
        _sandbox.InjectFault(new SandboxFault(fault, FaultTarget.ListThreads));
        var read = await Assert.ThrowsAsync<ExternalServiceException>(() => new YouTubeCommentSource(client, Channel).ListThreadsAsync(null, CancellationToken.None));
        Assert.Equal((onRead, reason, status), (read.Kind, read.Reason, read.StatusCode));

        _sandbox.InjectFault(new SandboxFault(fault, FaultTarget.Insert));
        var write = await Assert.ThrowsAsync<ExternalServiceException>(() => new YouTubeReplyPublisher(client, Channel).PostReplyAsync(comment.ThreadId, "x", CancellationToken.None));
        Assert.Equal((onWrite, reason, status), (write.Kind, write.Reason, write.StatusCode));
        Assert.Empty(_sandbox.OwnerReplies());
    }

    [Fact]
    public async Task Dropped_connections_and_timeouts_are_transient_on_reads_and_unknown_on_writes()
    {
        var comment = _sandbox.AddComment(new SeedComment(null, null, "bob", "hi"));
        using var client = Client(timeout: TimeSpan.FromMilliseconds(300));
        var source = new YouTubeCommentSource(client, Channel);
        var publisher = new YouTubeReplyPublisher(client, Channel);

        _sandbox.InjectFault(new SandboxFault(FaultKind.Drop, FaultTarget.ListThreads));
        Assert.Equal(ExternalErrorKind.Transient, (await Assert.ThrowsAsync<ExternalServiceException>(() => source.ListThreadsAsync(null, CancellationToken.None))).Kind);

        _sandbox.InjectFault(new SandboxFault(FaultKind.Slow, FaultTarget.ListThreads, Delay: TimeSpan.FromSeconds(2)));
        var slow = await Assert.ThrowsAsync<ExternalServiceException>(() => source.ListThreadsAsync(null, CancellationToken.None));
        Assert.Equal((ExternalErrorKind.Transient, "timeout"), (slow.Kind, slow.Reason));

        // The insert lands, the answer is lost: unknown outcome, and the thread check finds the reply.
        _sandbox.InjectFault(new SandboxFault(FaultKind.DropAfterCommit, FaultTarget.Insert));
        var lost = await Assert.ThrowsAsync<ExternalServiceException>(() => publisher.PostReplyAsync(comment.ThreadId, "reply", CancellationToken.None));
        Assert.Equal(ExternalErrorKind.UnknownOutcome, lost.Kind);
        var found = await publisher.FindOwnReplyAsync(comment.ThreadId, CancellationToken.None);
        Assert.Equal(Assert.Single(_sandbox.OwnerReplies()).Id, found!.ReplyId);
    }

    [Fact]
    public async Task Transient_errors_on_reads_are_retried_with_backoff_until_they_clear()
    {
        _sandbox.Seed(Seeds.Make(2));
        using var client = Client(maxRetries: 4);
        var source = new YouTubeCommentSource(client, Channel);
        _sandbox.InjectFault(new SandboxFault(FaultKind.ServerError, FaultTarget.ListThreads, Count: 1));
        _sandbox.InjectFault(new SandboxFault(FaultKind.TooManyRequests, FaultTarget.ListThreads, Count: 1));
        _sandbox.InjectFault(new SandboxFault(FaultKind.Drop, FaultTarget.ListThreads, Count: 1));
        var before = _sandbox.RequestCount;

        var page = await source.ListThreadsAsync(null, CancellationToken.None);

        Assert.Equal(2, page.Threads.Count);
        Assert.Equal(4, _sandbox.RequestCount - before);
        Assert.Empty(_sandbox.ActiveFaults());
    }

    [Fact]
    public async Task A_write_with_unknown_outcome_is_not_retried_by_the_client()
    {
        var comment = _sandbox.AddComment(new SeedComment(null, null, "bob", "hi"));
        using var client = Client(maxRetries: 4);
        _sandbox.InjectFault(new SandboxFault(FaultKind.ServerError, FaultTarget.Insert, Count: 1));
        var before = _sandbox.RequestCount;

        await Assert.ThrowsAsync<ExternalServiceException>(() => new YouTubeReplyPublisher(client, Channel).PostReplyAsync(comment.ThreadId, "x", CancellationToken.None));

        Assert.Equal(1, _sandbox.RequestCount - before);
    }
}

internal sealed class StaticOptions<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
