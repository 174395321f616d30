using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ShawBot.Core.Moderation;
using ShawBot.Core.Options;
using ShawBot.Core.Pipeline;
using ShawBot.Core.Ports;
using ShawBot.Core.Screening;

namespace ShawBot.Core;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates the pipeline options and registers the poller, drafter and publisher as hosted
    /// services, plus <see cref="ModerationService"/>. The caller supplies the ports (store, source,
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
        services.AddHostedService(sp => sp.GetRequiredService<Poller>());
        services.AddHostedService(sp => sp.GetRequiredService<Drafter>());
        services.AddHostedService(sp => sp.GetRequiredService<Publisher>());
        return services;
    }

    /// <summary>Every draft is approved as soon as it is drafted.</summary>
    public static IServiceCollection AddAutoApproveModeration(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IModerationChannel, AutoApproveModerationChannel>());
        return services;
    }

    /// <summary>The deterministic <see cref="StubReplyWriter"/> in place of the engine.</summary>
    public static IServiceCollection AddStubReplyWriter(this IServiceCollection services)
    {
        services.Replace(ServiceDescriptor.Singleton<IReplyWriter, StubReplyWriter>());
        return services;
    }

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
