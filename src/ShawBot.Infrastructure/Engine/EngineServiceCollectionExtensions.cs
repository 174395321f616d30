using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ShawBot.Core;
using ShawBot.Core.Ports;

namespace ShawBot.Infrastructure.Engine;

public static class EngineServiceCollectionExtensions
{
    /// <summary>The local model as the reply writer (options: ShawBot:Engine); loads the model on start.</summary>
    public static IServiceCollection AddShawBotEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<EngineOptions>(configuration, EngineOptions.Section);
        services.TryAddSingleton<LanguageModel>();
        services.TryAddSingleton<VoiceMemorySource>();
        services.RemoveAll<IReplyWriter>();
        services.AddSingleton<IReplyWriter, EngineReplyWriter>();
        services.AddHostedService<ModelWarmup>();
        return services;
    }

    private sealed class ModelWarmup(LanguageModel model) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.Run(model.EnsureLoaded, cancellationToken);
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
