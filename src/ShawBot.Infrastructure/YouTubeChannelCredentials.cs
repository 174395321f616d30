using Google.Apis.Http;
using ShawBot.Core.Sources;
using ShawBot.Infrastructure.Auth;
using ShawBot.Infrastructure.YouTube;

namespace ShawBot.Infrastructure;

/// <summary>Each YouTube channel's OAuth credential, read from its token folder (here, beside the wiring: Auth already depends on YouTube).</summary>
public static class YouTubeChannelCredentials
{
    /// <summary>
    /// The credential of a YouTube entry: with Auth=oauth the refresh token stored in the entry's token folder (else
    /// ShawBot:YouTube:TokenDirectory); with Auth=none (a loopback sandbox) none. The one place that reads it, for the
    /// default channel's client and every other one.
    /// </summary>
    public static IConfigurableHttpClientInitializer? For(YouTubeOptions options, SourceEntry? entry)
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
}
