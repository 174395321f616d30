using Google.Apis.Auth.OAuth2.Responses;
using ShawBot.Infrastructure.Auth;
using ShawBot.Infrastructure.Tests.Support;

namespace ShawBot.Infrastructure.Tests.Auth;

public sealed class SecureFileDataStoreTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Stores_the_token_owner_only_and_reads_it_back()
    {
        var store = new SecureFileDataStore(_folder.File("secrets"));
        var token = new TokenResponse { AccessToken = "access", RefreshToken = "refresh-secret", ExpiresInSeconds = 3600, TokenType = "Bearer" };

        await store.StoreAsync(YouTubeCredentials.User, token);
        var read = await store.GetAsync<TokenResponse>(YouTubeCredentials.User);

        Assert.Equal(("access", "refresh-secret", 3600L), (read.AccessToken, read.RefreshToken, read.ExpiresInSeconds));
        var path = store.PathFor<TokenResponse>(YouTubeCredentials.User);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(store.Folder));
        Assert.Empty(Directory.GetFiles(store.Folder, "*.tmp"));

        await store.DeleteAsync<TokenResponse>(YouTubeCredentials.User);
        Assert.Null(await store.GetAsync<TokenResponse>(YouTubeCredentials.User));
    }

    [Fact]
    public async Task Loading_without_a_stored_token_returns_null()
    {
        var secrets = _folder.File("client_secret.json");
        await File.WriteAllTextAsync(secrets, """{"installed":{"client_id":"id.apps.googleusercontent.com","client_secret":"s","redirect_uris":["http://localhost"],"auth_uri":"https://accounts.google.com/o/oauth2/auth","token_uri":"https://oauth2.googleapis.com/token"}}""");
        Assert.Null(await YouTubeCredentials.LoadAsync(secrets, _folder.File("secrets"), CancellationToken.None));

        await new SecureFileDataStore(_folder.File("secrets")).StoreAsync(YouTubeCredentials.User, new TokenResponse { AccessToken = "a", RefreshToken = "r", ExpiresInSeconds = 1, IssuedUtc = DateTime.UtcNow });
        var credential = await YouTubeCredentials.LoadAsync(secrets, _folder.File("secrets"), CancellationToken.None);
        Assert.Equal("r", credential!.Token.RefreshToken);
    }
}
