using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ShawBot.Cli.Hosting;
using ShawBot.Core.Moderation;
using ShawBot.Core.Pipeline;
using ShawBot.Core.Ports;
using ShawBot.Core.Sources;
using ShawBot.Infrastructure.Discord.Moderation;
using ShawBot.Infrastructure.Engine;
using ShawBot.Infrastructure.Retraining;
using ShawBot.Infrastructure.Web;

namespace ShawBot.Tests.Hosting;

/// <summary>AddShawBot: each optional part is on or off by its bound options, and each port is registered once.</summary>
public sealed class FeatureWiringTests
{
    private static IServiceCollection Compose(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddShawBot(configuration);
    }

    private static Type? Implementation<T>(IServiceCollection services) => services.Single(d => d.ServiceType == typeof(T)).ImplementationType;

    private static readonly Type[] OncePorts = [typeof(IReplyWriter), typeof(IRetrainTrigger), typeof(IAdapterAdmin), typeof(IStatusProvider), typeof(ICommentStore), typeof(ICommentIngest), typeof(IReviewStore), typeof(IPublishStore), typeof(IQuotaStore)];

    [Fact]
    public void With_nothing_optional_configured_core_defaults_say_what_is_unavailable()
    {
        var services = Compose(new() { ["ShawBot:Web:Enabled"] = "false" });
        foreach (var port in OncePorts) Assert.Equal((port, 1), (port, services.Count(d => d.ServiceType == port)));
        Assert.Equal(typeof(StubReplyWriter), Implementation<IReplyWriter>(services));
        Assert.Equal(typeof(UnavailableRetrainTrigger), Implementation<IRetrainTrigger>(services));
        Assert.Equal(typeof(UnavailableAdapterAdmin), Implementation<IAdapterAdmin>(services));
        Assert.Equal(typeof(StoreStatusProvider), Implementation<IStatusProvider>(services));
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(LanguageModel) || d.ServiceType == typeof(IRetrainProgress));
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(DiscordModerationChannel) || d.ServiceType == typeof(WebModerationChannel));
        Assert.False(new UnavailableRetrainTrigger().IsAvailable);
        Assert.False(new UnavailableAdapterAdmin().IsAvailable);
    }

    [Fact]
    public void Configured_parts_register_themselves_once_in_place_of_the_defaults()
    {
        var services = Compose(new()
        {
            ["ShawBot:Engine:ModelPath"] = "models/any",
            ["ShawBot:Retrain:Enabled"] = "true",
            ["ShawBot:Discord:BotToken"] = "token",
        });
        foreach (var port in OncePorts) Assert.Equal((port, 1), (port, services.Count(d => d.ServiceType == port)));
        Assert.Equal(1, services.Count(d => d.ServiceType == typeof(IRetrainProgress)));
        Assert.Equal(typeof(EngineReplyWriter), Implementation<IReplyWriter>(services));
        Assert.Equal(typeof(RetrainStatusProvider), Implementation<IStatusProvider>(services));
        Assert.Single(services, d => d.ServiceType == typeof(RetrainCoordinator));
        Assert.Single(services, d => d.ServiceType == typeof(DiscordModerationChannel));
        Assert.Single(services, d => d.ServiceType == typeof(WebModerationChannel));   // the page is on unless Enabled=false
        Assert.DoesNotContain(services, d => d.ImplementationType == typeof(UnavailableRetrainTrigger) || d.ImplementationType == typeof(StubReplyWriter));
    }

    [Fact]
    public void The_channels_list_is_bound_once_and_gives_the_engine_each_sources_voice()
    {
        var services = Compose(new()
        {
            ["ShawBot:Web:Enabled"] = "false",
            ["ShawBot:Channel:ChannelId"] = "UCshaw",
            ["ShawBot:Engine:ModelPath"] = "models/any",
            ["ShawBot:Discord:BotToken"] = "token",
            ["ShawBot:Adapters:MemoryBudgetMb"] = "64",
            ["ShawBot:Channels:0:Id"] = "community",
            ["ShawBot:Channels:0:Platform"] = "Discord",
            ["ShawBot:Channels:0:GuildId"] = "42",
            ["ShawBot:Channels:0:ChannelIds:0"] = "7",
            ["ShawBot:Channels:0:AdapterPath"] = "adapters-community",
        });
        Assert.Single(services, d => d.ServiceType == typeof(ChannelVoices));
        using var provider = services.BuildServiceProvider();
        Assert.Single(provider.GetRequiredService<IOptions<SourcesOptions>>().Value.Channels);    // the engine and Discord both asked for it
        var voices = provider.GetRequiredService<ChannelVoices>();                                 // the model is not loaded until a draft
        Assert.Equal(64L << 20, voices.MemoryBudgetBytes);
        Assert.Equal(Path.GetFullPath("adapters-community"), voices.RegistryOf("community")!.Root);
        Assert.Null(voices.RegistryOf("youtube"));                                                 // the single-channel entry keeps the global adapter
    }
}
