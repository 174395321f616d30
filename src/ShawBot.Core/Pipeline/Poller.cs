using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Core.Options;
using ShawBot.Core.Ports;
using ShawBot.Core.Sources;

namespace ShawBot.Core.Pipeline;

/// <summary>
/// Every <see cref="PollerOptions.Interval"/>, pages each YouTube channel's threads newest first
/// (<see cref="YouTubeChannels"/>, one after the other, all charged to the one quota ledger) and stores the new
/// top-level comments with the channel's entry id (<see cref="Comment.SourceId"/>). A sweep stops at the first
/// thread older than that channel's watermark, which is the newest publish time seen by its last <em>completed</em>
/// sweep: a sweep cut short (crash, quota, error) is redone from the top, and storing is insert-or-ignore, so
/// nothing is lost or stored twice. A channel whose sweep fails does not keep the others from being read.
/// Each new comment is stored with its video's title (<see cref="VideoTitleResolver"/>) and, when YouTube
/// held it or marked it likely spam, with that status for screening (<see cref="IScreeningStore"/>).
/// </summary>
public sealed partial class Poller : PipelineLoop
{
    /// <summary>The default channel's watermark cursor; another channel's is this name + "." + its entry id.</summary>
    public const string WatermarkCursor = "poller.watermark";
    public const string SkipOwnComment = "channel owner's own comment";
    public const string SkipOwnerReplied = "channel owner already replied";

    private readonly YouTubeChannels _channels;
    private readonly ICommentIngest _comments;
    private readonly IQuotaStore _cursors;
    private readonly QuotaGate _quota;
    private readonly PipelineSignals _signals;
    private readonly IOptionsMonitor<PollerOptions> _options;
    private readonly VideoTitleResolver? _titles;
    private readonly IScreeningStore? _screening;

    public Poller(
        YouTubeChannels channels,
        ICommentIngest comments,
        IQuotaStore cursors,
        QuotaGate quota,
        PipelineSignals signals,
        IOptionsMonitor<PollerOptions> options,
        IOptionsMonitor<LoopBackoffOptions> backoff,
        TimeProvider time,
        ILogger<Poller> logger,
        VideoTitleResolver? titles = null,
        IScreeningStore? screening = null)
        : base(time, backoff, logger)
    {
        _channels = channels;
        _comments = comments;
        _cursors = cursors;
        _quota = quota;
        _signals = signals;
        _options = options;
        _titles = titles;
        _screening = screening;
    }

    /// <summary>The watermark cursor of a channel: the default one keeps the name it had when there was one channel.</summary>
    public static string WatermarkOf(SourceEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.IsDefault ? WatermarkCursor : $"{WatermarkCursor}.{entry.Id}";
    }

    public override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await _quota.RestoreAsync(cancellationToken).ConfigureAwait(false);
        ExternalServiceException? failed = null;
        var stored = 0;
        foreach (var channel in _channels.All)
        {
            if (_quota.CheckPaused())
            {
                break;
            }

            try
            {
                var (complete, count) = await SweepAsync(channel, cancellationToken).ConfigureAwait(false);
                stored += count;
                if (!complete)
                {
                    break; // quota: the other channels wait for the same reset
                }
            }
            catch (ExternalServiceException ex) when (_channels.All.Count > 1)
            {
                // One channel's failure (revoked token, outage) must not starve the others; the loop backs off after the round.
                LogChannelFailed(Logger, channel.Entry.Id, ex.Kind, ex.Reason);
                failed ??= ex;
            }
        }

        if (stored > 0)
        {
            _signals.Drafter.Notify();
        }

        if (failed is not null)
        {
            throw failed;
        }
    }

    /// <summary>One channel's sweep; Complete is false when the quota stopped it.</summary>
    private async Task<(bool Complete, int Stored)> SweepAsync(YouTubeChannel channel, CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        var ownerId = channel.ChannelId;
        var cursor = WatermarkOf(channel.Entry);
        var watermarkText = await _cursors.GetCursorAsync(cursor, cancellationToken).ConfigureAwait(false);
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
                return (false, stored); // Sweep incomplete: the watermark stays, the next poll starts again from the top.
            }

            CommentThreadPage page;
            IReadOnlyDictionary<string, VideoInfo> videos;
            try
            {
                page = await channel.Comments.ListThreadsAsync(pageToken, cancellationToken).ConfigureAwait(false);
                videos = await VideosAsync(page, watermark, cancellationToken).ConfigureAwait(false);
            }
            catch (ExternalServiceException ex) when (ex.Kind == ExternalErrorKind.QuotaExceeded)
            {
                await _quota.PauseUntilResetAsync(cancellationToken).ConfigureAwait(false);
                return (false, stored);
            }

            pages++;
            foreach (var thread in page.Threads)
            {
                var comment = thread.TopLevel with { SourceId = channel.Entry.Id };
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
                    LogStored(Logger, comment.CommentId, comment.VideoId, channel.Entry.Id, state);
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
            await _cursors.SetCursorAsync(cursor, n.ToString("O", CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        }

        LogSweep(Logger, channel.Entry.Id, pages, stored);
        return (true, stored);
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stored comment {CommentId} on {VideoId} of source {Source} as {State}")]
    private static partial void LogStored(ILogger logger, string commentId, string videoId, string source, CommentState state);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Poll of source {Source} read {Pages} pages and stored {Stored} comments")]
    private static partial void LogSweep(ILogger logger, string source, int pages, int stored);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling source {Source} failed ({Kind} {Reason}); the other channels are read, this one again next round")]
    private static partial void LogChannelFailed(ILogger logger, string source, ExternalErrorKind kind, string reason);
}
