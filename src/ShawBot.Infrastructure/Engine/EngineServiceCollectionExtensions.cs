using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ShawBot.Core;
using ShawBot.Core.Ports;

namespace ShawBot.Infrastructure.Engine;

public static class EngineServiceCollectionExtensions
{
    /// <summary>
    /// The reply writer: the local model (options: ShawBot:Engine, loaded on start) when
    /// <see cref="EngineOptions.ModelPath"/> is set, else Core's deterministic stub writer.
    /// </summary>
    public static IServiceCollection AddShawBotEngine(this IServiceCollection services, IConfiguration configuration)
    {
        if (!configuration.BindOptions<EngineOptions>(EngineOptions.Section).IsConfigured)
            return services.AddStubReplyWriter();
        services.AddValidatedOptions<EngineOptions>(configuration, EngineOptions.Section);
        services.TryAddSingleton<LanguageModel>();
        services.TryAddSingleton<IReplyWriter, EngineReplyWriter>();
        services.AddHostedService<ModelWarmup>();
        return services;
    }

    private sealed class ModelWarmup(LanguageModel model) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.Run(model.EnsureLoaded, cancellationToken);
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
