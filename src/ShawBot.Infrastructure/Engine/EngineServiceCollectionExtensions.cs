using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core;
using ShawBot.Core.Ports;
using ShawBot.Core.Sources;
using ShawBot.Infrastructure.Adapters;

namespace ShawBot.Infrastructure.Engine;

public static class EngineServiceCollectionExtensions
{
    /// <summary>
    /// The reply writer: the local model (options: ShawBot:Engine, loaded on start) when
    /// <see cref="EngineOptions.ModelPath"/> is set, else Core's deterministic stub writer. With the model come
    /// the sources' voices (<see cref="ChannelVoices"/>: a "ShawBot:Channels" entry's own adapters and prompts).
    /// </summary>
    public static IServiceCollection AddShawBotEngine(this IServiceCollection services, IConfiguration configuration)
    {
        if (!configuration.BindOptions<EngineOptions>(EngineOptions.Section).IsConfigured)
            return services.AddStubReplyWriter();
        services.AddValidatedOptions<EngineOptions>(configuration, EngineOptions.Section);
        services.TryAddSingleton<LanguageModel>();
        services.AddShawBotSources(configuration);
        services.TryAddSingleton(sp =>
        {
            var sources = sp.GetRequiredService<SourceCatalog>().Entries;
            long budget = (long)sp.GetRequiredService<IOptions<AdaptersOptions>>().Value.MemoryBudgetMb << 20;
            return new ChannelVoices(sp.GetRequiredService<LanguageModel>(), sources, budget, sp.GetRequiredService<ILogger<ChannelVoices>>());
        });
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
