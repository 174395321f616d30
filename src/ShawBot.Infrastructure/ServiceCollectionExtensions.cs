using Google.Apis.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ShawBot.Core;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.Auth;
using ShawBot.Infrastructure.Store;
using ShawBot.Infrastructure.Store.Postgres;
using ShawBot.Infrastructure.YouTube;

namespace ShawBot.Infrastructure;

public static class InfrastructureServiceCollectionExtensions
{
    /// <summary>
    /// The store (SQLite or PostgreSQL by ShawBot:Store:Provider, migrated on start), YouTube client (sandbox when ShawBot:YouTube:BaseUri is set; OAuth
    /// credential from the stored refresh token when ClientSecretsPath is set), comment source and publisher.
    /// </summary>
    public static IServiceCollection AddShawBotInfrastructure(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<StoreOptions>(configuration, StoreOptions.Section);
        services.AddValidatedOptions<YouTubeOptions>(configuration, YouTubeOptions.Section);
        services.TryAddSingleton(TimeProvider.System);

        // The one place the provider is chosen; options validation (on start) names a missing connection string.
        var provider = configuration.GetSection(StoreOptions.Section).GetValue(nameof(StoreOptions.Provider), StoreProvider.Sqlite);
        if (provider == StoreProvider.Postgres)
        {
            services.AddCommentStore<PostgresCommentStore>();
        }
        else
        {
            services.AddCommentStore<SqliteCommentStore>();
        }

        services.AddHostedService<StoreMigrationService>();

        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<YouTubeOptions>>();
            IConfigurableHttpClientInitializer? credential = null;
            if (options.Value.ClientSecretsPath is { Length: > 0 } secrets)
            {
                // Reads a local file; no network until the first call refreshes the access token.
                credential = YouTubeCredentials.LoadAsync(secrets, options.Value.TokenDirectory, CancellationToken.None).GetAwaiter().GetResult()
                    ?? throw new InvalidOperationException("No YouTube refresh token is stored: run `shawbot auth youtube --client-secrets FILE` first.");
            }

            return ActivatorUtilities.CreateInstance<YouTubeClient>(sp, options, credential ?? (object)NoCredential.Instance);
        });
        services.TryAddSingleton<ICommentSource, YouTubeCommentSource>();
        services.TryAddSingleton<IReplyPublisher, YouTubeReplyPublisher>();
        return services;
    }

    /// <summary>Applies migrations before the pipeline loops make their first call.</summary>
    private sealed class StoreMigrationService(ICommentStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            store is IMigratingStore migrating ? migrating.MigrateAsync().WaitAsync(cancellationToken) : Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Calls without credentials (the sandbox).</summary>
    private sealed class NoCredential : IConfigurableHttpClientInitializer
    {
        public static readonly NoCredential Instance = new();

        public void Initialize(ConfigurableHttpClient httpClient)
        {
        }
    }
}
