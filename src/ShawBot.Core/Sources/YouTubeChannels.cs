using ShawBot.Core.Domain;
using ShawBot.Core.Ports;

namespace ShawBot.Core.Sources;

/// <summary>One YouTube channel this process answers: its entry, how its threads are read, how replies are posted (with its own credential).</summary>
public sealed record YouTubeChannel(SourceEntry Entry, ICommentSource Comments, IReplyPublisher Replies)
{
    /// <summary>The channel id (UC…): its own comments are skipped, its replies mark a thread as answered.</summary>
    public string ChannelId => Entry.YouTubeChannelId ?? "";
}

/// <summary>
/// Builds the reader and poster of a YouTube entry other than the default one (its own credential); the
/// infrastructure registers it. Without one, a host answers the default channel only.
/// </summary>
public interface IYouTubeChannelFactory
{
    YouTubeChannel Create(SourceEntry entry);
}

/// <summary>
/// The YouTube channels of "ShawBot:Channels", in the list's order: the one place that maps a stored comment to
/// the channel it came from (<see cref="SourceDirectory.For(IReadOnlyList{SourceEntry}, Comment)"/>), so the poller
/// reads each channel and the publisher posts each reply, and looks for our reply before a retry, as that channel.
/// The default entry uses the registered <see cref="ICommentSource"/> and <see cref="IReplyPublisher"/>.
/// </summary>
public sealed class YouTubeChannels
{
    private readonly SourceCatalog _catalog;
    private readonly Lazy<IReadOnlyList<YouTubeChannel>> _all;

    public YouTubeChannels(SourceCatalog catalog, ICommentSource source, IReplyPublisher publisher, IYouTubeChannelFactory? factory = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        _catalog = catalog;
        _all = new(() =>
        {
            var defaultEntry = catalog.DefaultYouTube;
            return [.. catalog.Entries.Where(e => e.Platform == SourcePlatform.YouTube).Select(entry =>
                ReferenceEquals(entry, defaultEntry) ? new YouTubeChannel(entry, source, publisher)
                : factory?.Create(entry) ?? throw new InvalidOperationException(
                    $"ShawBot:Channels entry '{entry.Id}' is YouTube channel '{entry.YouTubeChannelId}', but this host can reach only the default channel '{defaultEntry?.YouTubeChannelId}' (no YouTube client factory is registered)."))];
        });
    }

    /// <summary>Every YouTube channel, in the list's order (the default one among them).</summary>
    public IReadOnlyList<YouTubeChannel> All => _all.Value;

    /// <summary>The channel a stored YouTube comment came from; null for another platform or an entry no longer configured.</summary>
    public YouTubeChannel? For(Comment comment)
    {
        ArgumentNullException.ThrowIfNull(comment);
        return _catalog.For(comment) is { Platform: SourcePlatform.YouTube } entry ? All.FirstOrDefault(c => c.Entry.Id == entry.Id) : null;
    }
}
