using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Core.Pipeline;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.Discord.Gateway;
using ShawBot.Infrastructure.Discord.Models;
using ShawBot.Infrastructure.Discord.Rest;

namespace ShawBot.Infrastructure.Discord.Community;

/// <summary>
/// Reads questions from the configured Discord channels into the store as New comments. Live messages
/// come from the gateway (MESSAGE_CREATE); at every READY or RESUMED it first reads each channel's history
/// after its stored cursor (GET /channels/{id}/messages?after=, bounded by
/// <see cref="DiscordCommunityOptions.MaxCatchUpMessages"/>), so nothing posted while the bot was away is
/// lost. Events are handled one at a time in gateway order and the cursor only moves forward past a
/// message once it is stored; storing is insert-or-ignore, so a message seen twice (replayed and read
/// from history) is stored once, with the text it had when first seen (later edits are ignored).
/// </summary>
public sealed partial class DiscordCommunityIntake : BackgroundService
{
    private const int PageSize = 100;

    private readonly DiscordGatewayClient _gateway;
    private readonly DiscordRestClient _rest;
    private readonly ICommentStore _store;
    private readonly PipelineSignals _signals;
    private readonly DiscordCommunitySettings _settings;
    private readonly IOptionsMonitor<DiscordCommunityOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DiscordCommunityIntake> _logger;
    private readonly Dictionary<ulong, string> _channelNames = [];

    public DiscordCommunityIntake(
        DiscordGatewayClient gateway,
        DiscordRestClient rest,
        ICommentStore store,
        PipelineSignals signals,
        DiscordCommunitySettings settings,
        IOptionsMonitor<DiscordCommunityOptions> options,
        TimeProvider time,
        ILogger<DiscordCommunityIntake> logger)
    {
        _gateway = gateway;
        _rest = rest;
        _store = store;
        _signals = signals;
        _settings = settings;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>The stored cursor of a channel: the id of the last message handled there.</summary>
    public static string CursorName(ulong channelId) => string.Create(CultureInfo.InvariantCulture, $"discord.{channelId}.after");

    /// <summary>Messages stored as comments by this instance (live and caught up).</summary>
    public long Stored => Interlocked.Read(ref _stored);

    /// <summary>Completed history reads (one per session start); for tests and health.</summary>
    public long CatchUps => Interlocked.Read(ref _catchUps);

    private long _stored;
    private long _catchUps;

    private ulong SelfId => _gateway.UserId ?? _settings.ApplicationId;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_settings.Channels.Count == 0)
        {
            return;
        }

        try
        {
            // After a failure the cursor stands before the message that failed: read the history again before
            // any live message moves the cursor on (live messages are in that history too).
            var catchUpPending = false;
            await foreach (var item in _gateway.Messages.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    if (item.Kind == GatewayMessageKind.SessionStarted || catchUpPending)
                    {
                        catchUpPending = true;
                        await CatchUpAsync(stoppingToken).ConfigureAwait(false);
                        catchUpPending = false;
                    }
                    else if (item.Message is { } message && _settings.Channels.TryGetValue(message.ChannelId, out var channel))
                    {
                        await HandleAsync(message, channel, stoppingToken).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    catchUpPending = true;
                    LogFailed(_logger, ex, item.Kind);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        foreach (var channel in _settings.Channels.Values)
        {
            var after = await CursorAsync(channel.ChannelId, cancellationToken).ConfigureAwait(false);
            var read = 0;
            var max = _options.CurrentValue.MaxCatchUpMessages;
            while (read < max)
            {
                var page = await _rest.GetMessagesAfterAsync(channel.ChannelId, after, Math.Min(PageSize, max - read), cancellationToken).ConfigureAwait(false);
                foreach (var message in page)
                {
                    await HandleAsync(message with { ChannelId = channel.ChannelId }, channel, cancellationToken).ConfigureAwait(false);
                    after = message.Id;
                }

                read += page.Count;
                if (page.Count < PageSize)
                {
                    break;
                }
            }

            LogCaughtUp(_logger, channel.ChannelId, read);
        }

        Interlocked.Increment(ref _catchUps);
    }

    /// <summary>The channel's cursor; on the very first start, "now" (the history before ShawBot was set up is not read).</summary>
    private async Task<ulong> CursorAsync(ulong channelId, CancellationToken cancellationToken)
    {
        var text = await _store.GetCursorAsync(CursorName(channelId), cancellationToken).ConfigureAwait(false);
        if (text is not null)
        {
            return ulong.Parse(text, CultureInfo.InvariantCulture);
        }

        var start = Snowflake.At(_time.GetUtcNow());
        await _store.SetCursorAsync(CursorName(channelId), start.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        return start;
    }

    private async Task HandleAsync(DiscordMessage message, CommunityChannel channel, CancellationToken cancellationToken)
    {
        var self = SelfId;
        if (DiscordQuestions.Reject(message, channel, self, _settings.ReviewChannelId) is { } reason)
        {
            LogIgnored(_logger, message.Id, message.ChannelId, reason);
        }
        else
        {
            var name = await ChannelNameAsync(channel.ChannelId, cancellationToken).ConfigureAwait(false);
            var comment = DiscordQuestions.ToComment(message, channel, name, self);
            if (await _store.AddCommentAsync(comment, CommentState.New, null, cancellationToken).ConfigureAwait(false))
            {
                Interlocked.Increment(ref _stored);
                LogStored(_logger, comment.CommentId, comment.AuthorDisplayName);
                _signals.Drafter.Notify();
            }
        }

        var cursor = await _store.GetCursorAsync(CursorName(channel.ChannelId), cancellationToken).ConfigureAwait(false);
        if (cursor is null || message.Id > ulong.Parse(cursor, CultureInfo.InvariantCulture))
        {
            await _store.SetCursorAsync(CursorName(channel.ChannelId), message.Id.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The channel's name for the review card, read once; its id when Discord does not say.</summary>
    private async Task<string> ChannelNameAsync(ulong channelId, CancellationToken cancellationToken)
    {
        if (_channelNames.TryGetValue(channelId, out var name))
        {
            return name;
        }

        try
        {
            name = (await _rest.GetChannelAsync(channelId, cancellationToken).ConfigureAwait(false)).Name;
        }
        catch (DiscordRestException ex)
        {
            LogNoChannelName(_logger, ex, channelId);
        }

        name = string.IsNullOrEmpty(name) ? channelId.ToString(CultureInfo.InvariantCulture) : name;
        _channelNames[channelId] = name;
        return name;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stored Discord question {CommentId} from {Author}")]
    private static partial void LogStored(ILogger logger, string commentId, string author);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored Discord message {MessageId} in {ChannelId}: {Reason}")]
    private static partial void LogIgnored(ILogger logger, ulong messageId, ulong channelId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Caught up Discord channel {ChannelId}: read {Count} messages from history")]
    private static partial void LogCaughtUp(ILogger logger, ulong channelId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the name of Discord channel {ChannelId}; the card shows its id")]
    private static partial void LogNoChannelName(ILogger logger, Exception exception, ulong channelId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling a Discord {Kind} event failed; the history is read again before the next message")]
    private static partial void LogFailed(ILogger logger, Exception exception, GatewayMessageKind kind);
}
