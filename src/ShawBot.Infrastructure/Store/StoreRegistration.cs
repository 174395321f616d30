using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ShawBot.Core;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.Store.Postgres;

namespace ShawBot.Infrastructure.Store;

/// <summary>
/// The one place the store provider (ShawBot:Store:Provider) is chosen: every table-backed port is registered on
/// the same provider as the comment store, so the postgres provider never writes to the SQLite file. Options
/// validation (on start) names a missing connection string.
/// </summary>
internal static class StoreRegistration
{
    public static StoreProvider ProviderOf(IConfiguration configuration) =>
        configuration.GetSection(StoreOptions.Section).GetValue(nameof(StoreOptions.Provider), StoreProvider.Sqlite);

    /// <summary>The comment store with its roles, the video catalog, the screening store and the live-adapter pointers.</summary>
    public static IServiceCollection AddStores(this IServiceCollection services, IConfiguration configuration)
    {
        if (ProviderOf(configuration) == StoreProvider.Postgres)
        {
            services.AddCommentStore<PostgresCommentStore>();
            services.TryAddSingleton<IVideoCatalog, PostgresVideoCatalog>();
            services.TryAddSingleton<IScreeningStore, PostgresScreeningStore>();
        }
        else
        {
            services.AddCommentStore<SqliteCommentStore>();
            services.TryAddSingleton<IVideoCatalog, SqliteVideoCatalog>();
            services.TryAddSingleton<IScreeningStore, SqliteScreeningStore>();
        }

        // The live-adapter pointers are a table of the comment store, on either provider.
        services.TryAddSingleton(sp => (ILiveAdapterPointers)sp.GetRequiredService<ICommentStore>());
        return services;
    }

    /// <summary>The Discord reply-part store, on the comment store's provider.</summary>
    public static IServiceCollection AddReplyPartStore(this IServiceCollection services, IConfiguration configuration)
    {
        if (ProviderOf(configuration) == StoreProvider.Postgres)
        {
            services.TryAddSingleton<IReplyPartStore, PostgresReplyPartStore>();
        }
        else
        {
            services.TryAddSingleton<IReplyPartStore, SqliteReplyPartStore>();
        }

        return services;
    }
}
