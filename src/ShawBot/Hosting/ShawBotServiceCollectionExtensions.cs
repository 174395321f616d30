using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ShawBot.Core;
using ShawBot.Infrastructure;
using ShawBot.Infrastructure.Adapters;
using ShawBot.Infrastructure.Discord;
using ShawBot.Infrastructure.Engine;
using ShawBot.Infrastructure.Retraining;
using ShawBot.Infrastructure.Web;

namespace ShawBot.Cli.Hosting;

public static class ShawBotServiceCollectionExtensions
{
    /// <summary>
    /// The whole service: pipeline, store, YouTube, the engine (when ShawBot:Engine:ModelPath is set, else the
    /// stub writer), Discord moderation (when ShawBot:Discord:BotToken is set) and the web page (unless
    /// ShawBot:Web:Enabled is false), retraining with the engine when a ShawBot:Retrain section is configured.
    /// With the engine, the adapter registry's pointer (ShawBot:Adapters:Path) chooses the live adapter.
    /// Every options section is validated on start.
    /// </summary>
    public static IServiceCollection AddShawBot(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddShawBotCore(configuration).AddShawBotInfrastructure(configuration);
        if (HasValue(configuration, "ShawBot:Engine:ModelPath"))
        {
            services.AddShawBotEngine(configuration).AddShawBotAdapters(configuration);
            // Nightly retraining, opt-in (the deprecated ShawBot:Retrain:AdaptersPath is such a setting too).
            if (configuration.GetSection("ShawBot:Retrain").Exists())
            {
                services.AddShawBotRetraining(configuration);
            }
        }
        else
        {
            services.AddStubReplyWriter();
        }

        if (HasValue(configuration, "ShawBot:Discord:BotToken"))
        {
            services.AddShawBotDiscord(configuration);
        }

        if (WebEnabled(configuration))
        {
            services.AddShawBotWeb(configuration);
        }

        return services;
    }

    public static bool WebEnabled(IConfiguration configuration) =>
        !string.Equals(configuration["ShawBot:Web:Enabled"], "false", StringComparison.OrdinalIgnoreCase);

    public static bool HasValue(IConfiguration configuration, string key) => !string.IsNullOrWhiteSpace(configuration[key]);
}
