using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ShawBot.Core.Options;

namespace ShawBot.Core.Tests.Pipeline;

public sealed class OptionsValidationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddShawBotCore(configuration).BuildServiceProvider();
    }

    [Fact]
    public void Options_bind_from_configuration()
    {
        using var provider = Build(new()
        {
            ["ShawBot:Channel:ChannelId"] = "UC123",
            ["ShawBot:Poller:Interval"] = "00:00:30",
            ["ShawBot:Poller:DailyQuotaBudget"] = "5000",
            ["ShawBot:Drafter:SignOff"] = "-Shaw",
        });
        Assert.Equal("UC123", provider.GetRequiredService<IOptions<ChannelOptions>>().Value.ChannelId);
        var poller = provider.GetRequiredService<IOptions<PollerOptions>>().Value;
        Assert.Equal((TimeSpan.FromSeconds(30), 5000), (poller.Interval, poller.DailyQuotaBudget));
        Assert.Equal(("-Shaw", 10_000), (provider.GetRequiredService<IOptions<DrafterOptions>>().Value.SignOff, provider.GetRequiredService<IOptions<DrafterOptions>>().Value.MaxReplyLength));
    }

    [Fact]
    public void Invalid_options_fail_validation_with_the_field_named()
    {
        using var provider = Build(new() { ["ShawBot:Poller:DailyQuotaBudget"] = "0", ["ShawBot:Drafter:MaxReplyLength"] = "20000" });
        var channel = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ChannelOptions>>().Value);
        Assert.Contains("ChannelOptions.ChannelId", channel.Message);
        Assert.Contains("DailyQuotaBudget", Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PollerOptions>>().Value).Message);
        Assert.Contains("MaxReplyLength", Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DrafterOptions>>().Value).Message);
    }
}
