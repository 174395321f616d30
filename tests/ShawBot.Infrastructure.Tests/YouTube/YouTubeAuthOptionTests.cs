using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ShawBot.Core.Options;
using ShawBot.Infrastructure.Tests.Support;
using ShawBot.Infrastructure.YouTube;

namespace ShawBot.Infrastructure.Tests.YouTube;

/// <summary>ShawBot:YouTube:Auth = oauth | none: a loopback sandbox needs no token file, the real API always does.</summary>
public sealed class YouTubeAuthOptionTests
{
    private static IReadOnlyList<string> Validate(YouTubeOptions options)
    {
        var result = new DataAnnotationsValidator<YouTubeOptions>().Validate(null, options);
        return result.Succeeded ? [] : [.. result.Failures!];
    }

    [Theory]
    [InlineData("http://127.0.0.1:5123/")]
    [InlineData("http://localhost:8080/")]
    [InlineData("http://[::1]:9000/")]
    public void None_is_accepted_for_a_loopback_base_uri(string baseUri) =>
        Assert.Empty(Validate(new YouTubeOptions { Auth = "none", BaseUri = baseUri }));

    [Theory]
    [InlineData(null, "the real API")]
    [InlineData("https://youtube.googleapis.com/", "https://youtube.googleapis.com/")]
    [InlineData("http://10.0.0.5:8080/", "http://10.0.0.5:8080/")]
    public void None_is_refused_for_any_other_address(string? baseUri, string shown) =>
        Assert.Equal([$"YouTubeOptions.Auth: ShawBot:YouTube:Auth=none is allowed only for a loopback ShawBot:YouTube:BaseUri (got '{shown}')"],
            Validate(new YouTubeOptions { Auth = "none", BaseUri = baseUri }));

    [Fact]
    public void OAuth_needs_the_client_secrets_and_other_values_are_refused()
    {
        Assert.Equal(["YouTubeOptions.ClientSecretsPath: ShawBot:YouTube:Auth=oauth needs ShawBot:YouTube:ClientSecretsPath (the OAuth client JSON); use Auth=none for a loopback sandbox"],
            Validate(new YouTubeOptions()));
        Assert.Empty(Validate(new YouTubeOptions { ClientSecretsPath = "secrets/client.json" }));
        Assert.Equal(["YouTubeOptions.Auth: ShawBot:YouTube:Auth must be oauth or none"], Validate(new YouTubeOptions { Auth = "apikey", ClientSecretsPath = "x.json" }));
    }

    [Fact]
    public void A_sandbox_with_auth_none_never_reads_the_token_file_even_when_client_secrets_are_configured()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("client_secret.json"), """{"installed":{"client_id":"id.apps","client_secret":"s","redirect_uris":["http://localhost"]}}""");
        ServiceProvider Build(string auth) => new ServiceCollection().AddLogging().AddShawBotInfrastructure(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ShawBot:Store:DatabasePath"] = folder.File("s.db"),
            ["ShawBot:YouTube:Auth"] = auth,
            ["ShawBot:YouTube:BaseUri"] = "http://127.0.0.1:9/",
            ["ShawBot:YouTube:ClientSecretsPath"] = folder.File("client_secret.json"),
            ["ShawBot:YouTube:TokenDirectory"] = folder.File("no-tokens"),
        }).Build()).BuildServiceProvider();

        using (var sandbox = Build("none"))
        {
            Assert.Equal("http://127.0.0.1:9/", sandbox.GetRequiredService<YouTubeClient>().Service.BaseUri);
        }

        using var oauth = Build("oauth");
        var missing = Assert.Throws<InvalidOperationException>(() => oauth.GetRequiredService<YouTubeClient>());
        Assert.Equal("No YouTube refresh token is stored: run `shawbot auth youtube --client-secrets FILE` first.", missing.Message);
    }
}
