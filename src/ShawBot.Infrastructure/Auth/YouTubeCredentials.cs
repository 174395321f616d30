using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Flows;
using ShawBot.Infrastructure.YouTube.Api;

namespace ShawBot.Infrastructure.Auth;

/// <summary>
/// OAuth for the channel: <see cref="AuthorizeInteractiveAsync"/> runs the consent once (browser +
/// loopback redirect) and stores the refresh token; <see cref="LoadAsync"/> rebuilds the credential from
/// it at service start, and Google.Apis refreshes the access token as it expires.
/// </summary>
public static class YouTubeCredentials
{
    /// <summary>The data-store key the token is kept under.</summary>
    public const string User = "youtube-channel";

    public static readonly string[] Scopes = [YouTubeService.ForceSslScope];

    /// <summary>Consent flow for `shawbot auth youtube --client-secrets FILE`.</summary>
    /// <param name="codeReceiver">Null for <see cref="LocalServerCodeReceiver"/> (loopback redirect, opens a browser).</param>
    public static Task<UserCredential> AuthorizeInteractiveAsync(string clientSecretsPath, string tokenDirectory, CancellationToken cancellationToken, ICodeReceiver? codeReceiver = null)
    {
        var secrets = GoogleClientSecrets.FromFile(clientSecretsPath).Secrets;
        return GoogleWebAuthorizationBroker.AuthorizeAsync(
            secrets, Scopes, User, cancellationToken, new SecureFileDataStore(tokenDirectory), codeReceiver ?? new LocalServerCodeReceiver());
    }

    /// <summary>The stored credential, or null when `shawbot auth youtube` has not been run.</summary>
    public static async Task<UserCredential?> LoadAsync(string clientSecretsPath, string tokenDirectory, CancellationToken cancellationToken)
    {
        var flow = new GoogleAuthorizationCodeFlow(new GoogleAuthorizationCodeFlow.Initializer
        {
            ClientSecrets = GoogleClientSecrets.FromFile(clientSecretsPath).Secrets,
            Scopes = Scopes,
            DataStore = new SecureFileDataStore(tokenDirectory),
        });
        var token = await flow.LoadTokenAsync(User, cancellationToken).ConfigureAwait(false);
        if (token?.RefreshToken is null)
        {
            flow.Dispose();
            return null;
        }

        return new UserCredential(flow, User, token);
    }
}
