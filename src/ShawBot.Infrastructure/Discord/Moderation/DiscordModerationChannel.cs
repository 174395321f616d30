using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Core.Ports;
using ShawBot.Core.Sources;
using ShawBot.Infrastructure.Discord.Rest;

namespace ShawBot.Infrastructure.Discord.Moderation;

/// <summary>
/// <see cref="IModerationChannel"/> on Discord: one message per comment in the configured channel,
/// edited in place when the draft is regenerated or decided. The reference stored with the comment
/// is "channelId:messageId", so a restart (or a changed channel setting) still finds the message.
/// </summary>
public sealed partial class DiscordModerationChannel : IModerationChannel
{
    // Edits to one comment's message are serialized (a decision's edit must land before the
    // regenerated draft replaces it). A fixed set of stripes keeps memory bounded; two comments
    // that share a stripe only wait for each other briefly.
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    private readonly DiscordRestClient _rest;
    private readonly ICommentIngest _comments;
    private readonly IReviewStore _reviews;
    private readonly IOptionsMonitor<DiscordModerationOptions> _options;
    private readonly ILogger<DiscordModerationChannel> _logger;

    private readonly SourceCatalog? _sources;

    /// <param name="sources">Names each comment's source on its card when there are several; null: never named.</param>
    public DiscordModerationChannel(DiscordRestClient rest, ICommentIngest comments, IReviewStore reviews, IOptionsMonitor<DiscordModerationOptions> options, ILogger<DiscordModerationChannel> logger, SourceCatalog? sources = null)
    {
        _sources = sources;
        _rest = rest;
        _comments = comments;
        _reviews = reviews;
        _options = options;
        _logger = logger;
    }

    public const string ChannelName = "discord";

    /// <summary>
    /// The display name of the "ShawBot:Channels" entry a comment came from (whose voice drafted it), shown on
    /// its card; null with a one-item list (a single channel has nothing to tell apart) or no matching entry.
    /// </summary>
    public string? SourceOf(Comment comment) =>
        _sources is { Entries.Count: > 1 } s ? s.For(comment)?.DisplayName : null;

    public string Name => ChannelName;

    public async Task<string> PublishAsync(ReviewItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var message = await _rest.CreateMessageAsync(_options.CurrentValue.ChannelId, ReviewMessages.Review(item, SourceOf(item.Comment)), cancellationToken).ConfigureAwait(false);
        LogPublished(_logger, item.Draft.DraftId, item.Comment.CommentId, message.Id);
        return FormatReference(message.ChannelId, message.Id);
    }

    public async Task UpdateAsync(string reference, ReviewItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var (channelId, messageId) = ParseReference(reference);
        using (await LockAsync(item.Comment.CommentId, cancellationToken).ConfigureAwait(false))
        {
            await _rest.EditMessageAsync(channelId, messageId, ReviewMessages.Review(item, SourceOf(item.Comment)), cancellationToken).ConfigureAwait(false);
        }
        LogUpdated(_logger, item.Draft.DraftId, item.Comment.CommentId, messageId);
    }

    public async Task RetractAsync(string reference, string commentId, CommentState state, CancellationToken cancellationToken)
    {
        var (channelId, messageId) = ParseReference(reference);
        var tracked = await _comments.GetCommentAsync(commentId, cancellationToken).ConfigureAwait(false);
        if (tracked?.CurrentDraftId is not { } draftId || await _reviews.GetDraftAsync(draftId, cancellationToken).ConfigureAwait(false) is not { } draft)
            return;
        var decision = await _reviews.GetDecisionForDraftAsync(draftId, cancellationToken).ConfigureAwait(false);
        using (await LockAsync(commentId, cancellationToken).ConfigureAwait(false))
        {
            await _rest.EditMessageAsync(channelId, messageId, ReviewMessages.Final(new ReviewItem(tracked.Comment, draft, []), state, decision, SourceOf(tracked.Comment)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Holds the per-comment edit lock until disposed.</summary>
    internal async Task<IDisposable> LockAsync(string commentId, CancellationToken cancellationToken)
    {
        var stripe = _stripes[(uint)StringComparer.Ordinal.GetHashCode(commentId) % (uint)_stripes.Length];
        await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Releaser(stripe);
    }

    internal static string FormatReference(ulong channelId, ulong messageId) =>
        string.Create(CultureInfo.InvariantCulture, $"{channelId}:{messageId}");

    internal static (ulong ChannelId, ulong MessageId) ParseReference(string reference)
    {
        ArgumentException.ThrowIfNullOrEmpty(reference);
        int colon = reference.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0
            && ulong.TryParse(reference.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out ulong channel)
            && ulong.TryParse(reference.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out ulong message))
            return (channel, message);
        throw new FormatException($"'{reference}' is not a Discord review reference (channelId:messageId).");
    }

    private sealed class Releaser(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                semaphore.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Draft {DraftId} of comment {CommentId} shown in Discord as message {MessageId}")]
    private static partial void LogPublished(ILogger logger, long draftId, string commentId, ulong messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Discord message {MessageId} now shows draft {DraftId} of comment {CommentId}")]
    private static partial void LogUpdated(ILogger logger, long draftId, string commentId, ulong messageId);
}
