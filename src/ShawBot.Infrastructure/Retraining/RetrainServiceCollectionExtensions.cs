using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Quartz;
using ShawBot.Core;
using ShawBot.Core.Moderation;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.Adapters;
using ShawBot.Infrastructure.Engine;

namespace ShawBot.Infrastructure.Retraining;

public static class RetrainServiceCollectionExtensions
{
    /// <summary>
    /// The retrain, rollback and status ports, registered once here. With <see cref="RetrainOptions.Enabled"/>:
    /// nightly and on-demand retraining (options: ShawBot:Retrain): the adapter registry and live adapter
    /// (<see cref="AdaptersServiceCollectionExtensions.AddShawBotAdapters"/>), the runner,
    /// the coordinator as <see cref="IRetrainTrigger"/>, rollback as <see cref="IAdapterAdmin"/>, status
    /// as <see cref="IStatusProvider"/>, reports to the log and to Discord when configured, and Quartz
    /// (<see cref="RetrainScheduler"/>, started after the host) with a persistent job store (SQLite, or clustered on PostgreSQL: <see cref="QuartzJobStore"/>; needs <c>AddShawBotEngine</c> and a store).
    /// Without: Core's defaults, which say retraining and rollback are unavailable and report queue sizes.
    /// </summary>
    public static IServiceCollection AddShawBotRetraining(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        // Quartz's store is configured now, from the bound section (validated again on start).
        var options = configuration.BindOptions<RetrainOptions>(RetrainOptions.Section);
        var storeOptions = configuration.BindOptions<Store.StoreOptions>(Store.StoreOptions.Section);
        // Voice memory retrieves from the retrain's training pool, so it lives here; it is used only when
        // the template has {examples} (and costs nothing otherwise), with retraining on or off.
        services.TryAddSingleton<IPromptExamples, VoiceMemorySource>();
        if (!options.Enabled)
        {
            services.TryAddSingleton<IRetrainTrigger, UnavailableRetrainTrigger>();
            services.TryAddSingleton<IAdapterAdmin, UnavailableAdapterAdmin>();
            services.TryAddSingleton<IStatusProvider, StoreStatusProvider>();
            return services;
        }

        services.AddValidatedOptions<RetrainOptions>(configuration, RetrainOptions.Section);

        services.TryAddSingleton(TimeProvider.System);
        services.AddShawBotAdapters(configuration);
        services.TryAddSingleton<IRetrainRunner, RetrainRunner>();
        // Each source with its own registry retrains after the global voice, on its own curated replies.
        services.TryAddSingleton(sp => sp.GetService<ChannelVoices>() is not { } voices
            ? new SourceRetrains([])
            : new SourceRetrains([.. voices.SourcesWithOwnRegistry.Select(id =>
                new SourceRetrain(id, voices.RegistryOf(id)!, ActivatorUtilities.CreateInstance<RetrainRunner>(sp, voices.RegistryOf(id)!, voices, id)))]));
        services.TryAddSingleton<RetrainCoordinator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRetrainReporter, LogRetrainReporter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRetrainReporter, DiscordRetrainReporter>());
        services.TryAddSingleton<IRetrainTrigger>(sp => sp.GetRequiredService<RetrainCoordinator>());
        services.TryAddSingleton<IRetrainProgress>(sp => sp.GetRequiredService<RetrainCoordinator>());
        services.TryAddSingleton<IAdapterAdmin>(sp => sp.GetRequiredService<LiveAdapter>());
        services.TryAddSingleton<IStatusProvider, RetrainStatusProvider>();

        services.AddQuartz(q =>
        {
            // SQLite file, or clustered on the shared PostgreSQL database: see QuartzJobStore.
            if (storeOptions.Provider == Store.StoreProvider.Postgres)
            {
                q.ConfigureScheduler(o => o.InstanceId = "AUTO"); // one instance id per host; the scheduler name is shared
            }

            q.UsePersistentStore(store => QuartzJobStore.Configure(store, storeOptions, options));
            q.AddJob<RetrainJob>(j => j.WithIdentity(RetrainJob.Key).StoreDurably().WithDescription("Retrain the LoRA adapter on curated replies"));
        });
        // Not Quartz's hosted service: it creates the scheduler inside the host's start (≈ 2 s before the first
        // draft). RetrainScheduler creates its tables, trigger and scheduler after the host has started.
        services.TryAddSingleton<RetrainScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<RetrainScheduler>());
        services.AddHostedService<CoordinatorShutdown>();
        return services;
    }

    /// <summary>On host stop, a run in progress saves its checkpoint and stops (it resumes on the next run).</summary>
    private sealed class CoordinatorShutdown(RetrainCoordinator coordinator) : Microsoft.Extensions.Hosting.IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            coordinator.Dispose();
            await coordinator.WhenIdleAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
