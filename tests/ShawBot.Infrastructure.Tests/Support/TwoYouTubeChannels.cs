using System.Text.Json;
using Google.Apis.Auth.OAuth2.Responses;
using ShawBot.Infrastructure.Auth;
using ShawBot.Sandbox.YouTube;

namespace ShawBot.Infrastructure.Tests.Support;

/// <summary>
/// Two YouTube channels on one sandbox, each signed in through the real OAuth path: an OAuth client file and, per
/// channel, a token folder as `shawbot auth youtube --token-dir` leaves it (a refresh token and a long-lived access
/// token, so no refresh is needed against the loopback sandbox). The sandbox knows each channel's access token and
/// posts a reply as the channel whose token the insert carries.
/// </summary>
public sealed class TwoYouTubeChannels
{
    public const string MainId = "main";
    public const string LabsId = "labs";
    public const string MainName = "Shaw Talks";
    public const string LabsName = "Shaw Labs";
    public const string LabsChannelId = "UCshawbotSandboxLabs0001";

    private TwoYouTubeChannels(YouTubeSandbox sandbox, Dictionary<string, string?> settings)
    {
        Sandbox = sandbox;
        Settings = settings;
    }

    public YouTubeSandbox Sandbox { get; }

    /// <summary>The settings that make a host answer both channels (ShawBot:YouTube auth, ShawBot:Channels).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>The access token each channel's replies must carry, by channel id.</summary>
    public static IReadOnlyDictionary<string, string> Tokens(YouTubeSandbox sandbox) =>
        sandbox.Channels.ToDictionary(c => c.ChannelId, c => c.AccessToken ?? "");

    /// <summary>The sandbox must have been created with <see cref="YouTubeSandboxOptions.AccessToken"/> set (the main channel's token).</summary>
    public static async Task<TwoYouTubeChannels> CreateAsync(YouTubeSandbox sandbox, TempFolder folder)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(folder);
        var mainToken = sandbox.Channels[0].AccessToken ?? throw new ArgumentException("give the sandbox's first channel an access token", nameof(sandbox));
        sandbox.AddChannel(new SandboxChannel(LabsChannelId, LabsName, "sandbox-token-labs"));
        var secrets = folder.File("client_secret.json");
        await File.WriteAllTextAsync(secrets, """{"installed":{"client_id":"sandbox.apps.googleusercontent.com","client_secret":"sandbox-secret","redirect_uris":["http://127.0.0.1"],"auth_uri":"http://127.0.0.1/auth","token_uri":"http://127.0.0.1/token"}}""");
        foreach (var (key, token) in new[] { (MainId, mainToken), (LabsId, "sandbox-token-labs") })
        {
            await new SecureFileDataStore(folder.File($"tokens-{key}")).StoreAsync(YouTubeCredentials.User, new TokenResponse
            {
                AccessToken = token,
                RefreshToken = $"refresh-{key}",
                TokenType = "Bearer",
                ExpiresInSeconds = 10L * 365 * 24 * 3600,
                IssuedUtc = DateTime.UtcNow,
            });
        }

        return new TwoYouTubeChannels(sandbox, new Dictionary<string, string?>
        {
            ["ShawBot:YouTube:Auth"] = "oauth",
            ["ShawBot:YouTube:ClientSecretsPath"] = secrets,
            ["ShawBot:Channels:0:Id"] = MainId,
            ["ShawBot:Channels:0:ChannelId"] = sandbox.ChannelId,
            ["ShawBot:Channels:0:DisplayName"] = MainName,
            ["ShawBot:Channels:0:TokenDirectory"] = folder.File($"tokens-{MainId}"),
            ["ShawBot:Channels:1:Id"] = LabsId,
            ["ShawBot:Channels:1:ChannelId"] = LabsChannelId,
            ["ShawBot:Channels:1:DisplayName"] = LabsName,
            ["ShawBot:Channels:1:TokenDirectory"] = folder.File($"tokens-{LabsId}"),
        });
    }

    /// <summary>The settings as a JSON file (flat "A:B" keys, which the JSON provider reads as they are) for a child host's --settings.</summary>
    public string WriteSettingsFile(string path)
    {
        File.WriteAllText(path, JsonSerializer.Serialize(Settings));
        return path;
    }
}
