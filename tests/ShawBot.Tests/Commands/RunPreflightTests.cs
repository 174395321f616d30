using Microsoft.Extensions.Configuration;
using ShawBot.Cli.Commands;
using ShawBot.Infrastructure.Web;
using ShawBot.Tests.Support;

namespace ShawBot.Tests.Commands;

public sealed class RunPreflightTests
{
    private static IConfiguration Config(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    [Fact]
    public void An_empty_configuration_names_every_missing_piece()
    {
        var problems = RunPreflight.Check(Config([]));
        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Contains("ShawBot:Channel:ChannelId", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("ShawBot:Engine:ModelPath", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("ShawBot:YouTube:ClientSecretsPath", StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_token_and_no_moderation_channel_are_reported_without_echoing_secrets()
    {
        using var folder = new TempFolder();
        var model = ShawBot.TestSupport.TinyGoldenModel.WithTokenizer(folder.File("model"));
        File.WriteAllText(folder.File("client.json"), "{}");
        var problems = RunPreflight.Check(Config(new()
        {
            ["ShawBot:Channel:ChannelId"] = "UCabc",
            ["ShawBot:Engine:ModelPath"] = model,
            ["ShawBot:YouTube:ClientSecretsPath"] = folder.File("client.json"),
            ["ShawBot:YouTube:TokenDirectory"] = folder.File("no-tokens"),
            ["ShawBot:Web:Enabled"] = "false",
        }));
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Contains("shawbot auth youtube", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("No moderation channel", StringComparison.Ordinal));
    }

    [Fact]
    public void The_page_refuses_a_public_address_without_a_token()
    {
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        var open = new WebOptions { Address = "0.0.0.0" };
        Assert.False(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(open, new(open), results, true));
        Assert.Contains("AccessToken", results.Single().ErrorMessage, StringComparison.Ordinal);
        var guarded = new WebOptions { Address = "0.0.0.0", AccessToken = "0123456789abcdef0123" };
        Assert.True(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(guarded, new(guarded), [], true));
    }

    [Fact]
    public void Auth_none_needs_no_oauth_client_and_a_base_uri_alone_does_not_waive_it()
    {
        using var folder = new TempFolder();
        var model = ShawBot.TestSupport.TinyGoldenModel.WithTokenizer(folder.File("model"));
        var sandbox = new Dictionary<string, string?>
        {
            ["ShawBot:Channel:ChannelId"] = "UCabc",
            ["ShawBot:Engine:ModelPath"] = model,
            ["ShawBot:YouTube:BaseUri"] = "http://127.0.0.1:5123/",
        };
        var problem = Assert.Single(RunPreflight.Check(Config(sandbox)));
        Assert.StartsWith("ShawBot:YouTube:ClientSecretsPath is not set", problem, StringComparison.Ordinal);

        sandbox["ShawBot:YouTube:Auth"] = "none";
        Assert.Empty(RunPreflight.Check(Config(sandbox)));
    }
}
