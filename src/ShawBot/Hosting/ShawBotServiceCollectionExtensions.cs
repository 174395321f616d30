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
    /// The whole service. Each optional part decides from its own bound options whether it is on and
    /// registers either itself or Core's default, once: the engine (ShawBot:Engine:ModelPath, else
    /// the stub writer), retraining (ShawBot:Retrain:Enabled, else "unavailable" retrain and
    /// rollback), Discord moderation (ShawBot:Discord:BotToken) and the web page
    /// (ShawBot:Web:Enabled). The adapter registry's pointer (ShawBot:Adapters:Path) chooses
    /// the live adapter. Every options section in use is validated on start.
    /// </summary>
    public static IServiceCollection AddShawBot(this IServiceCollection services, IConfiguration configuration)
    {
        return services
            .AddShawBotCore(configuration)
            .AddShawBotInfrastructure(configuration)
            .AddShawBotEngine(configuration)
            .AddShawBotAdapters(configuration)
            .AddShawBotRetraining(configuration)
            .AddShawBotDiscord(configuration)
            .AddShawBotWeb(configuration);
    }
}
