using Google.Apis.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core.Sources;
using ShawBot.Infrastructure.Auth;

namespace ShawBot.Infrastructure.YouTube;

/// <summary>
/// A client per YouTube channel of "ShawBot:Channels": each entry other than the default one gets its own
/// <see cref="YouTubeClient"/> carrying its own credential (the refresh token in its
/// <see cref="SourceEntry.TokenDirectory"/>), so its replies are posted as that channel. All of them share one
/// OAuth client (ShawBot:YouTube:ClientSecretsPath): one Google Cloud project, hence one daily quota, charged to the
/// one ledger in the store.
/// </summary>
public sealed class YouTubeChannelFactory(IOptions<YouTubeOptions> options, ILoggerFactory loggers) : IYouTubeChannelFactory, IDisposable
{
    private readonly List<YouTubeClient> _clients = [];

    public YouTubeChannel Create(SourceEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Platform != SourcePlatform.YouTube || entry.YouTubeChannelId is not { Length: > 0 } channelId)
        {
            throw new ArgumentException($"ShawBot:Channels entry '{entry.Id}' is not a YouTube channel with a ChannelId", nameof(entry));
        }

        var client = new YouTubeClient(options, loggers.CreateLogger<YouTubeClient>(), CredentialFor(options.Value, entry));
        lock (_clients)
        {
            _clients.Add(client);
        }

        return new YouTubeChannel(entry, new YouTubeCommentSource(client, channelId), new YouTubeReplyPublisher(client, channelId));
    }

    /// <summary>
    /// The credential of a YouTube entry: with Auth=oauth the refresh token stored in the entry's token folder (else
    /// ShawBot:YouTube:TokenDirectory); with Auth=none (a loopback sandbox) none. The one place that reads it, for the
    /// default channel's client and every other one.
    /// </summary>
    public static IConfigurableHttpClientInitializer? CredentialFor(YouTubeOptions options, SourceEntry? entry)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Auth != YouTubeOptions.OAuth || options.ClientSecretsPath is not { Length: > 0 } secrets)
        {
            return null;
        }

        var folder = entry?.TokenDirectory ?? options.TokenDirectory;
        // Reads a local file; no network until the first call refreshes the access token.
        return YouTubeCredentials.LoadAsync(secrets, folder, CancellationToken.None).GetAwaiter().GetResult()
            ?? throw new InvalidOperationException(entry?.TokenDirectory is null
                ? "No YouTube refresh token is stored: run `shawbot auth youtube --client-secrets FILE` first."   // the one-channel setup, as it always said
                : $"No YouTube refresh token is stored in '{folder}' (ShawBot:Channels entry '{entry.Id}', channel {entry.YouTubeChannelId}): run `shawbot auth youtube --client-secrets FILE --token-dir {folder}` signed in as that channel.");
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
