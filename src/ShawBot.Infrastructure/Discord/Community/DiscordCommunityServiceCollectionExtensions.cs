using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ShawBot.Core;
using ShawBot.Core.Options;
using ShawBot.Core.Ports;
using ShawBot.Core.Sources;
using ShawBot.Infrastructure.Store;

namespace ShawBot.Infrastructure.Discord.Community;

public static class DiscordCommunityServiceCollectionExtensions
{
    /// <summary>
    /// Discord servers as comment sources: binds "ShawBot:Channels" and "ShawBot:Discord:Community", registers
    /// <see cref="DiscordCommunityIntake"/> (idle without a Discord entry), <see cref="DiscordReplyTarget"/> and
    /// the reply-part store (on the store's provider). Called by <see cref="DiscordServiceCollectionExtensions.AddShawBotDiscord"/>,
    /// which needs the gateway intents from <see cref="DiscordCommunitySettings"/>.
    /// </summary>
    public static IServiceCollection AddShawBotDiscordCommunity(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddShawBotSources(configuration);
        services.AddValidatedOptions<DiscordCommunityOptions>(configuration, DiscordCommunityOptions.Section);
        services.TryAddSingleton<DiscordCommunitySettings>();
        services.AddReplyPartStore(configuration);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IReplyTarget, DiscordReplyTarget>());
        services.TryAddSingleton<DiscordCommunityIntake>();
        services.AddHostedService(sp => sp.GetRequiredService<DiscordCommunityIntake>());
        return services;
    }
}
