using Google.Apis.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core.Sources;

namespace ShawBot.Infrastructure.YouTube;

/// <summary>
/// A client per YouTube channel of "ShawBot:Channels": each entry other than the default one gets its own
/// <see cref="YouTubeClient"/> carrying its own credential (the refresh token in its
/// <see cref="SourceEntry.TokenDirectory"/>), so its replies are posted as that channel. All of them share one
/// OAuth client (ShawBot:YouTube:ClientSecretsPath): one Google Cloud project, hence one daily quota, charged to the
/// one ledger in the store.
/// </summary>
/// <param name="credentialFor">The credential of an entry (the infrastructure's YouTubeChannelCredentials.For).</param>
public sealed class YouTubeChannelFactory(IOptions<YouTubeOptions> options, ILoggerFactory loggers, Func<SourceEntry, IConfigurableHttpClientInitializer?> credentialFor)
    : IYouTubeChannelFactory, IDisposable
{
    private readonly List<YouTubeClient> _clients = [];

    public YouTubeChannel Create(SourceEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Platform != SourcePlatform.YouTube || entry.YouTubeChannelId is not { Length: > 0 } channelId)
        {
            throw new ArgumentException($"ShawBot:Channels entry '{entry.Id}' is not a YouTube channel with a ChannelId", nameof(entry));
        }

        var client = new YouTubeClient(options, loggers.CreateLogger<YouTubeClient>(), credentialFor(entry));
        lock (_clients)
        {
            _clients.Add(client);
        }

        return new YouTubeChannel(entry, new YouTubeCommentSource(client, channelId), new YouTubeReplyPublisher(client, channelId));
    }

    public void Dispose()
    {
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }

            _clients.Clear();
        }
    }
}
