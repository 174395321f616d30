using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Core.Options;
using ShawBot.Core.Ports;

namespace ShawBot.Core.Pipeline;

/// <summary>
/// Every <see cref="PollerOptions.Interval"/>, pages the channel's threads newest first and stores the
/// new top-level comments. A sweep stops at the first thread older than the watermark, which is the newest
/// publish time seen by the last <em>completed</em> sweep: a sweep cut short (crash, quota, error) is
/// redone from the top, and storing is insert-or-ignore, so nothing is lost or stored twice.
/// Each new comment is stored with its video's title (<see cref="VideoTitleResolver"/>) and, when YouTube
/// held it or marked it likely spam, with that status for screening (<see cref="IScreeningStore"/>).
/// </summary>
public sealed partial class Poller : PipelineLoop
{
    public const string WatermarkCursor = "poller.watermark";
    public const string SkipOwnComment = "channel owner's own comment";
    public const string SkipOwnerReplied = "channel owner already replied";

    private readonly ICommentSource _source;
    private readonly ICommentIngest _comments;
    private readonly IQuotaStore _cursors;
    private readonly QuotaGate _quota;
    private readonly PipelineSignals _signals;
    private readonly IOptionsMonitor<PollerOptions> _options;
    private readonly IOptionsMonitor<ChannelOptions> _channel;
    private readonly VideoTitleResolver? _titles;
    private readonly IScreeningStore? _screening;

    public Poller(
        ICommentSource source,
        ICommentIngest comments,
        IQuotaStore cursors,
        QuotaGate quota,
        PipelineSignals signals,
        IOptionsMonitor<PollerOptions> options,
        IOptionsMonitor<ChannelOptions> channel,
        IOptionsMonitor<LoopBackoffOptions> backoff,
        TimeProvider time,
        ILogger<Poller> logger,
        VideoTitleResolver? titles = null,
        IScreeningStore? screening = null)
        : base(time, backoff, logger)
    {
        _source = source;
        _comments = comments;
        _cursors = cursors;
        _quota = quota;
        _signals = signals;
        _options = options;
        _channel = channel;
        _titles = titles;
        _screening = screening;
    }

    public override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await _quota.RestoreAsync(cancellationToken).ConfigureAwait(false);
        if (_quota.CheckPaused())
        {
            return;
        }

        var options = _options.CurrentValue;
        var ownerId = _channel.CurrentValue.ChannelId;
        var watermarkText = await _cursors.GetCursorAsync(WatermarkCursor, cancellationToken).ConfigureAwait(false);
        DateTimeOffset? watermark = watermarkText is null
            ? null
            : DateTimeOffset.Parse(watermarkText, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        var newest = watermark;
        string? pageToken = null;
        var pages = 0;
        var stored = 0;
        var reachedSeen = false;
        do
        {
            if (!await _quota.TryChargeAsync("commentThreads.list", QuotaCosts.List, cancellationToken).ConfigureAwait(false))
            {
                return; // Sweep incomplete: the watermark stays, the next poll starts again from the top.
            }

            CommentThreadPage page;
            IReadOnlyDictionary<string, VideoInfo> videos;
            try
            {
                page = await _source.ListThreadsAsync(pageToken, cancellationToken).ConfigureAwait(false);
                videos = await VideosAsync(page, watermark, cancellationToken).ConfigureAwait(false);
            }
            catch (ExternalServiceException ex) when (ex.Kind == ExternalErrorKind.QuotaExceeded)
            {
                await _quota.PauseUntilResetAsync(cancellationToken).ConfigureAwait(false);
                return;
            }

            pages++;
            foreach (var thread in page.Threads)
            {
                var comment = thread.TopLevel;
                if (watermark is { } mark && comment.PublishedAt < mark)
                {
                    reachedSeen = true;
                    break;
                }

                if (comment.VideoTitle is null && videos.GetValueOrDefault(comment.VideoId) is { Title.Length: > 0 } video)
                {
                    comment = comment with { VideoTitle = video.Title };
                }

                var (state, reason) = comment.AuthorChannelId == ownerId ? (CommentState.Skipped, SkipOwnComment)
                    : thread.OwnerReplied ? (CommentState.Skipped, SkipOwnerReplied)
                    : (CommentState.New, (string?)null);
                if (await _comments.AddCommentAsync(comment, state, reason, cancellationToken).ConfigureAwait(false))
                {
                    stored++;
                    LogStored(Logger, comment.CommentId, comment.VideoId, state);
                    if (_screening is not null && thread.ModerationStatus is { } status && Screening.DraftScreening.YouTubeReason(status) is not null)
                    {
                        await _screening.SetYouTubeStatusAsync(comment.CommentId, status, cancellationToken).ConfigureAwait(false);
                    }
                }

                if (newest is null || comment.PublishedAt > newest)
                {
                    newest = comment.PublishedAt;
                }
            }

            pageToken = page.NextPageToken;
        }
        while (!reachedSeen && pageToken is not null && pages < options.MaxPagesPerPoll);

        if (newest is { } n && n != watermark)
        {
            await _cursors.SetCursorAsync(WatermarkCursor, n.ToString("O", CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        }

        LogSweep(Logger, pages, stored);
        if (stored > 0)
        {
            _signals.Drafter.Notify();
        }
    }

    /// <summary>Titles for the page's comments that are newer than the watermark (those are the ones stored).</summary>
    private async Task<IReadOnlyDictionary<string, VideoInfo>> VideosAsync(CommentThreadPage page, DateTimeOffset? watermark, CancellationToken cancellationToken)
    {
        var ids = page.Threads.Select(t => t.TopLevel)
            .Where(c => c.VideoTitle is null && (watermark is not { } mark || c.PublishedAt >= mark))
            .Select(c => c.VideoId).Distinct(StringComparer.Ordinal).ToList();
        return _titles is null || ids.Count == 0
            ? new Dictionary<string, VideoInfo>()
            : await _titles.ResolveAsync(ids, cancellationToken).ConfigureAwait(false);
    }

    protected override Task WaitForWorkAsync(CancellationToken cancellationToken) =>
        Task.Delay(_options.CurrentValue.Interval, Time, cancellationToken);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stored comment {CommentId} on {VideoId} as {State}")]
    private static partial void LogStored(ILogger logger, string commentId, string videoId, CommentState state);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Poll read {Pages} pages and stored {Stored} comments")]
    private static partial void LogSweep(ILogger logger, int pages, int stored);
}
