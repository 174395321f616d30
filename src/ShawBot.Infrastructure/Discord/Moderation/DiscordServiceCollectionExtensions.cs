using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.Discord.Community;
using ShawBot.Infrastructure.Discord.Gateway;
using ShawBot.Infrastructure.Discord.Moderation;
using ShawBot.Infrastructure.Discord.Rest;

namespace ShawBot.Infrastructure.Discord;

public static class DiscordServiceCollectionExtensions
{
    /// <summary>
    /// Discord moderation: binds and validates <see cref="DiscordModerationOptions"/> ("ShawBot:Discord"),
    /// registers the REST and gateway clients, <see cref="DiscordModerationChannel"/> as an
    /// <see cref="IModerationChannel"/> and the interaction host; nothing when no bot token is set.
    /// Its /shawbot status, retrain and rollback commands use the ports that <c>AddShawBotRetraining</c>
    /// registers (real, or Core's "unavailable" defaults). The servers in "ShawBot:Channels" become
    /// comment sources (<see cref="DiscordCommunityServiceCollectionExtensions.AddShawBotDiscordCommunity"/>).
    /// </summary>
    public static IServiceCollection AddShawBotDiscord(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (!configuration.BindOptions<DiscordModerationOptions>(DiscordModerationOptions.Section).IsConfigured)
            return services;
        services.AddValidatedOptions<DiscordModerationOptions>(configuration, DiscordModerationOptions.Section);
        services.AddHttpClient(nameof(DiscordRestClient));

        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DiscordModerationOptions>>().Value;
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(DiscordRestClient));
            return new DiscordRestClient(http, new DiscordRestOptions
            {
                Token = options.BotToken,
                ApiBaseUrl = new Uri(options.ApiBaseUrl),
                UserAgentUrl = options.UserAgentUrl,
                UserAgentVersion = typeof(DiscordRestClient).Assembly.GetName().Version?.ToString(3) ?? "1.0",
            }, sp.GetRequiredService<ILogger<DiscordRestClient>>(), sp.GetService<TimeProvider>());
        });
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DiscordModerationOptions>>().Value;
            return new DiscordGatewayClient(sp.GetRequiredService<DiscordRestClient>(), new DiscordGatewayOptions
            {
                Token = options.BotToken,
                GatewayUrl = options.GatewayUrl is { Length: > 0 } url ? new Uri(url) : null,
                Intents = sp.GetRequiredService<DiscordCommunitySettings>().Intents,
            }, sp.GetRequiredService<ILogger<DiscordGatewayClient>>(), sp.GetService<TimeProvider>());
        });

        services.TryAddSingleton<DiscordModerationChannel>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IModerationChannel, DiscordModerationChannel>(sp => sp.GetRequiredService<DiscordModerationChannel>()));
        services.TryAddSingleton<DiscordInteractionHandler>();
        services.TryAddSingleton<DiscordModerationService>();
        services.AddHostedService(sp => sp.GetRequiredService<DiscordModerationService>());
        return services.AddShawBotDiscordCommunity(configuration);
    }
}
