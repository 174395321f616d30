using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core;
using ShawBot.Infrastructure.Engine;
using ShawBot.Infrastructure.Store;

namespace ShawBot.Infrastructure.Adapters;

public static class AdaptersServiceCollectionExtensions
{
    /// <summary>
    /// The adapter registry (options: ShawBot:Adapters), the live adapter that owns its pointer and the
    /// engine's swap, the pointer's choice when the model loads, the watcher that follows pointer
    /// changes made by the CLI, and (several instances: ShawBot:Adapters:FollowStorePointer, on by default with
    /// PostgreSQL) the follower that shares each voice's live adapter through the store. Every feature that needs
    /// the registry calls it; the first call registers.
    /// </summary>
    public static IServiceCollection AddShawBotAdapters(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(LiveAdapter))) return services;    // another feature added it already
        services.AddValidatedOptions<AdaptersOptions>(configuration, AdaptersOptions.Section);
        services.PostConfigure<AdaptersOptions>(o => o.ApplyDeprecatedKeys(configuration));
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<AdaptersOptions>>().Value;
            if (o.DeprecatedKeyUsed is { } key)
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<AdapterRegistry>().LogWarning(
                    "{Key} is deprecated: set {Section}:Path (the one adapter registry folder; now {Path})", key, AdaptersOptions.Section, o.Path);
            return new AdapterRegistry(o.Path);
        });
        services.TryAddSingleton<LiveAdapter>();
        services.TryAddSingleton<IStartupAdapter, RegistryStartupAdapter>();
        services.AddHostedService<ActiveAdapterWatcher>();
        var adapters = configuration.BindOptions<AdaptersOptions>(AdaptersOptions.Section);
        if (adapters.FollowStorePointer ?? StoreRegistration.ProviderOf(configuration) == StoreProvider.Postgres)
        {
            // Several instances on one store: each voice's promotions reach every instance (the store's live_adapters table).
            services.TryAddSingleton<LivePointerFollower>();   // ChannelVoices when the engine registered it
            services.AddHostedService(sp => sp.GetRequiredService<LivePointerFollower>());
        }

        return services;
    }
}
