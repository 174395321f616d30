using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ShawBot.Core.Moderation;
using ShawBot.Core.Options;
using ShawBot.Core.Pipeline;
using ShawBot.Core.Ports;
using ShawBot.Core.Sources;
using ShawBot.Core.Screening;

namespace ShawBot.Core;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates the pipeline options and registers the poller, drafter and publisher as hosted
    /// services, plus <see cref="ModerationService"/>. The caller supplies the ports (store through <see cref="AddCommentStore{TStore}"/>, source,
    /// publisher, writer, at least one moderation channel).
    /// </summary>
    public static IServiceCollection AddShawBotCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<ChannelOptions>(configuration, ChannelOptions.Section);
        services.AddValidatedOptions<PollerOptions>(configuration, PollerOptions.Section);
        services.AddValidatedOptions<DrafterOptions>(configuration, DrafterOptions.Section);
        services.AddValidatedOptions<PublisherOptions>(configuration, PublisherOptions.Section);
        services.AddValidatedOptions<LoopBackoffOptions>(configuration, LoopBackoffOptions.Section);
        services.AddValidatedOptions<ScreeningOptions>(configuration, ScreeningOptions.Section);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PipelineSignals>();
        services.TryAddSingleton<QuotaGate>();
        services.TryAddSingleton<DraftScreening>();
        services.TryAddSingleton<ModerationService>();
        services.TryAddSingleton<Poller>();
        services.TryAddSingleton<Drafter>();
        services.TryAddSingleton<Publisher>();
        services.AddShawBotSources(configuration);
        services.TryAddSingleton(sp => new YouTubeChannels(
            sp.GetRequiredService<SourceCatalog>(), sp.GetRequiredService<ICommentSource>(), sp.GetRequiredService<IReplyPublisher>(), sp.GetService<IYouTubeChannelFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IReplyTarget, YouTubeReplyTarget>());
        services.TryAddSingleton<ReplyTargets>();
        services.AddHostedService(sp => sp.GetRequiredService<Poller>());
        services.AddHostedService(sp => sp.GetRequiredService<Drafter>());
        services.AddHostedService(sp => sp.GetRequiredService<Publisher>());
        return services;
    }

    /// <summary>
    /// Registers <typeparamref name="TStore"/> once, as <see cref="ICommentStore"/> and as each of its
    /// roles (<see cref="ICommentIngest"/>, <see cref="IReviewStore"/>, <see cref="IPublishStore"/>,
    /// <see cref="IQuotaStore"/>): every component that asks for a role gets the one instance.
    /// </summary>
    public static IServiceCollection AddCommentStore<TStore>(this IServiceCollection services)
        where TStore : class, ICommentStore
    {
        services.TryAddSingleton<TStore>();
        return services.AddCommentStoreRoles(sp => sp.GetRequiredService<TStore>());
    }

    /// <summary>Registers an existing store instance as <see cref="ICommentStore"/> and each of its roles.</summary>
    public static IServiceCollection AddCommentStore(this IServiceCollection services, ICommentStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return services.AddCommentStoreRoles(_ => store);
    }

    private static IServiceCollection AddCommentStoreRoles(this IServiceCollection services, Func<IServiceProvider, ICommentStore> store)
    {
        services.TryAddSingleton(store);
        services.TryAddSingleton<ICommentIngest>(sp => sp.GetRequiredService<ICommentStore>());
        services.TryAddSingleton<IReviewStore>(sp => sp.GetRequiredService<ICommentStore>());
        services.TryAddSingleton<IPublishStore>(sp => sp.GetRequiredService<ICommentStore>());
        services.TryAddSingleton<IQuotaStore>(sp => sp.GetRequiredService<ICommentStore>());
        services.TryAddSingleton(sp => sp.GetRequiredService<ICommentStore>() as IWorkLeases
            ?? throw new InvalidOperationException($"{sp.GetRequiredService<ICommentStore>().GetType().Name} does not implement {nameof(IWorkLeases)}: the drafter and publisher claim work with leases."));
        return services;
    }

    /// <summary>Every draft is approved as soon as it is drafted.</summary>
    public static IServiceCollection AddAutoApproveModeration(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IModerationChannel, AutoApproveModerationChannel>());
        return services;
    }

    /// <summary>The deterministic <see cref="StubReplyWriter"/> as the writer, unless one is registered already (the engine's).</summary>
    public static IServiceCollection AddStubReplyWriter(this IServiceCollection services)
    {
        services.TryAddSingleton<IReplyWriter, StubReplyWriter>();
        return services;
    }

    /// <summary>
    /// The options record of <paramref name="section"/> as bound now, for deciding at composition
    /// whether a feature is on (its <c>Add…</c> also registers it for validation on start).
    /// </summary>
    public static TOptions BindOptions<TOptions>(this IConfiguration configuration, string section)
        where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetSection(section).Get<TOptions>() ?? new TOptions();
    }

    /// <summary>
    /// Binds and validates "ShawBot:Channels" (<see cref="Sources.SourcesOptions"/>) once, with the resolved
    /// <see cref="SourceCatalog"/>, however many features
    /// (Discord intake, the engine's per-source voices) ask for it: binding a list twice would append it twice.
    /// </summary>
    public static IServiceCollection AddShawBotSources(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(SourcesMarker))) return services;
        services.AddSingleton<SourcesMarker>();
        services.TryAddSingleton<SourceCatalog>();
        return services.AddValidatedOptions<Sources.SourcesOptions>(configuration, Sources.SourcesOptions.Section);
    }

    private sealed class SourcesMarker;

    /// <summary>Binds <typeparamref name="TOptions"/> to <paramref name="section"/>, validated with DataAnnotations on start.</summary>
    public static IServiceCollection AddValidatedOptions<TOptions>(this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TOptions>()
            .Bind(configuration.GetSection(section))
            .ValidateWithDataAnnotations()
            .ValidateOnStart();
        return services;
    }
}
