using Google.Apis.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ShawBot.Core;
using ShawBot.Core.Ports;
using ShawBot.Core.Pipeline;
using ShawBot.Core.Screening;
using ShawBot.Core.Sources;
using ShawBot.Infrastructure.Screening;
using ShawBot.Infrastructure.Store;
using ShawBot.Infrastructure.Store.Postgres;
using ShawBot.Infrastructure.YouTube;

namespace ShawBot.Infrastructure;

public static class InfrastructureServiceCollectionExtensions
{
    /// <summary>
    /// The store (SQLite or PostgreSQL by ShawBot:Store:Provider, migrated on start, with the video catalog and
    /// screening store on the same provider), YouTube client (OAuth credential from the stored refresh token when
    /// ShawBot:YouTube:Auth=oauth; none for a loopback sandbox), comment source, publisher and videos.list, and a client per
    /// further YouTube channel of ShawBot:Channels (<see cref="YouTubeChannelFactory"/>: each its own token).
    /// </summary>
    public static IServiceCollection AddShawBotInfrastructure(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<StoreOptions>(configuration, StoreOptions.Section);
        services.AddValidatedOptions<YouTubeOptions>(configuration, YouTubeOptions.Section);
        services.TryAddSingleton(TimeProvider.System);

        services.AddStores(configuration);
        services.TryAddSingleton<ILanguageDetector, LinguaLanguageDetector>();
        services.TryAddSingleton(sp => new CommentLanguages(sp.GetService<ILanguageDetector>(), sp.GetRequiredService<IOptionsMonitor<ScreeningOptions>>()));
        services.AddHostedService<StoreMigrationService>();

        services.AddShawBotSources(configuration);
        services.TryAddSingleton(sp =>
        {
            // The default channel's client: its entry's token folder when the list gives it one.
            var options = sp.GetRequiredService<IOptions<YouTubeOptions>>();
            var credential = YouTubeChannelCredentials.For(options.Value, sp.GetRequiredService<SourceCatalog>().DefaultYouTube);
            return ActivatorUtilities.CreateInstance<YouTubeClient>(sp, options, credential ?? (object)NoCredential.Instance);
        });
        services.TryAddSingleton<ICommentSource, YouTubeCommentSource>();
        services.TryAddSingleton<IReplyPublisher, YouTubeReplyPublisher>();
        services.TryAddSingleton<IYouTubeChannelFactory>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<YouTubeOptions>>();
            return new YouTubeChannelFactory(options, sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>(), entry => YouTubeChannelCredentials.For(options.Value, entry));
        });
        services.TryAddSingleton<IVideoSource, YouTubeVideoSource>();
        services.TryAddSingleton<VideoTitleResolver>();
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
