using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Core.Ports;
using ShawBot.Core.Sources;
using ShawBot.Infrastructure.Discord.Gateway;
using ShawBot.Infrastructure.Discord.Models;
using ShawBot.Infrastructure.Discord.Rest;

namespace ShawBot.Infrastructure.Discord.Community;

/// <summary>
/// Discord replies: each part of <see cref="ReplySplitter.Split"/> is a message in the question's channel
/// with message_reference to the question, in order; only the first pings the author (allowed_mentions
/// parse [] so nothing in the text pings anyone). Every part is marked attempted before its POST and
/// recorded with its message id after, so a retry after an unknown outcome posts only the parts that
/// are not live: it reads the channel's history from the first unconfirmed attempt on, looking for the
/// bot's messages that reply to the question with a part's exact text. Discord has no quota; its rate
/// limits are the REST client's buckets.
/// </summary>
public sealed partial class DiscordReplyTarget : IReplyTarget
{
    private const int PageSize = 100;

    /// <summary>Clock skew allowed between us and Discord when reading history from an attempt's time.</summary>
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(1);

    private readonly DiscordRestClient _rest;
    private readonly DiscordGatewayClient _gateway;
    private readonly IReplyPartStore _parts;
    private readonly DiscordCommunitySettings _settings;
    private readonly IOptionsMonitor<DiscordCommunityOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DiscordReplyTarget> _logger;

    public DiscordReplyTarget(
        DiscordRestClient rest,
        DiscordGatewayClient gateway,
        IReplyPartStore parts,
        DiscordCommunitySettings settings,
        IOptionsMonitor<DiscordCommunityOptions> options,
        TimeProvider time,
        ILogger<DiscordReplyTarget> logger)
    {
        _rest = rest;
        _gateway = gateway;
        _parts = parts;
        _settings = settings;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public SourcePlatform Platform => SourcePlatform.Discord;

    public QuotaCharge? PostCharge => null;

    public QuotaCharge? FindCharge => null;

    public async Task<PublishedReply> PostReplyAsync(Comment comment, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(comment);
        var origin = CommentOrigin.Of(comment);
        var parts = ReplySplitter.Split(text);
        var known = (await _parts.ListPartsAsync(comment.CommentId, cancellationToken).ConfigureAwait(false))
            .Where(p => p.MessageId is not null).ToDictionary(p => p.Part);
        for (var i = 0; i < parts.Count; i++)
        {
            if (known.ContainsKey(i))
            {
                continue;
            }

            await _parts.MarkAttemptAsync(comment.CommentId, i, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            DiscordMessage sent;
            try
            {
                sent = await _rest.CreateMessageAsync(origin.DiscordChannelId, Part(origin, parts[i], i), cancellationToken).ConfigureAwait(false);
            }
            catch (DiscordRestException ex)
            {
                throw Classify(ex);
            }
            catch (HttpRequestException ex)
            {
                throw new ExternalServiceException(ExternalErrorKind.UnknownOutcome, "transport", null, ex.Message, ex);
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ExternalServiceException(ExternalErrorKind.UnknownOutcome, "timeout", null, ex.Message, ex);
            }

            await _parts.RecordSentAsync(comment.CommentId, i, Id(sent.Id), sent.Timestamp ?? _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            LogPart(_logger, i + 1, parts.Count, comment.CommentId, sent.Id);
        }

        return await WholeAsync(comment.CommentId, text, cancellationToken).ConfigureAwait(false);
    }

    public async Task<PublishedReply?> FindOwnReplyAsync(Comment comment, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(comment);
        var origin = CommentOrigin.Of(comment);
        var parts = ReplySplitter.Split(text);
        var recorded = await _parts.ListPartsAsync(comment.CommentId, cancellationToken).ConfigureAwait(false);
        var unconfirmed = recorded.Where(p => p.MessageId is null).ToList();
        if (unconfirmed.Count > 0)
        {
            // The reply cannot be older than the earliest unconfirmed attempt, nor than the question.
            var after = Math.Max(origin.DiscordMessageId, Snowflake.At(unconfirmed.Min(p => p.AttemptedAt) - Skew));
            var self = _gateway.UserId ?? _settings.ApplicationId;
            var open = unconfirmed.Select(p => p.Part).Where(p => p < parts.Count).ToHashSet();
            for (var page = 0; page < _options.CurrentValue.MaxReplySearchPages && open.Count > 0; page++)
            {
                IReadOnlyList<DiscordMessage> messages;
                try
                {
                    messages = await _rest.GetMessagesAfterAsync(origin.DiscordChannelId, after, PageSize, cancellationToken).ConfigureAwait(false);
                }
                catch (DiscordRestException ex)
                {
                    throw Classify(ex);
                }

                foreach (var m in messages.Where(m => m.Author?.Id == self && m.MessageReference?.MessageId == origin.DiscordMessageId))
                {
                    var part = open.FirstOrDefault(p => string.Equals(parts[p], m.Content, StringComparison.Ordinal), -1);
                    if (part >= 0)
                    {
                        open.Remove(part);
                        await _parts.RecordSentAsync(comment.CommentId, part, Id(m.Id), m.Timestamp ?? Snowflake.TimeOf(m.Id), cancellationToken).ConfigureAwait(false);
                        LogFound(_logger, part + 1, comment.CommentId, m.Id);
                    }
                }

                if (messages.Count < PageSize)
                {
                    break;
                }

                after = messages[^1].Id;
            }
        }

        var confirmed = (await _parts.ListPartsAsync(comment.CommentId, cancellationToken).ConfigureAwait(false)).Count(p => p.MessageId is not null && p.Part < parts.Count);
        return confirmed == parts.Count ? await WholeAsync(comment.CommentId, text, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>The first part answers the question and pings its author; later ones reply to it silently.</summary>
    private static MessagePayload Part(CommentOrigin origin, string text, int index) => new()
    {
        Content = text,
        MessageReference = new MessageReference { MessageId = origin.DiscordMessageId, ChannelId = origin.DiscordChannelId },
        AllowedMentions = index == 0 ? AllowedMentions.ReplyOnly : AllowedMentions.None with { RepliedUser = false },
    };

    /// <summary>The reply as the store records it: the first message's id stands for all parts.</summary>
    private async Task<PublishedReply> WholeAsync(string commentId, string text, CancellationToken cancellationToken)
    {
        var parts = await _parts.ListPartsAsync(commentId, cancellationToken).ConfigureAwait(false);
        var first = parts.First(p => p.Part == 0);
        return new PublishedReply(first.MessageId!, text, first.SentAt ?? first.AttemptedAt);
    }

    /// <summary>4xx other than 429 will fail again (missing access, unknown channel or message); 5xx after the client's retries may be transient.</summary>
    private static ExternalServiceException Classify(DiscordRestException ex)
    {
        var status = (int)ex.Status;
        var kind = status is 401 ? ExternalErrorKind.Unauthorized
            : status is >= 400 and < 500 and not 429 ? ExternalErrorKind.Permanent
            : ExternalErrorKind.UnknownOutcome;
        return new ExternalServiceException(kind, ex.Code?.ToString(CultureInfo.InvariantCulture) ?? status.ToString(CultureInfo.InvariantCulture), status, ex.Message, ex);
    }

    private static string Id(ulong id) => id.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Posted part {Part} of {Parts} of the reply to {CommentId} as Discord message {MessageId}")]
    private static partial void LogPart(ILogger logger, int part, int parts, string commentId, ulong messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Found part {Part} of the reply to {CommentId} already posted as Discord message {MessageId}")]
    private static partial void LogFound(ILogger logger, int part, string commentId, ulong messageId);
}
