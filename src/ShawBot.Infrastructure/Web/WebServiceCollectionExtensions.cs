using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ShawBot.Core;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.Adapters;

namespace ShawBot.Infrastructure.Web;

public static class WebServiceCollectionExtensions
{
    /// <summary>
    /// The moderation web page: binds and validates <see cref="WebOptions"/> ("ShawBot:Web"), registers
    /// <see cref="WebModerationChannel"/> as an <see cref="IModerationChannel"/> and the page's read models
    /// (the adapter list comes from the registry of <see cref="AdaptersServiceCollectionExtensions.AddShawBotAdapters"/>).
    /// The host maps the page with <see cref="WebEndpoints.UseShawBotWeb"/>. Nothing when <see cref="WebOptions.Enabled"/> is false.
    /// </summary>
    public static IServiceCollection AddShawBotWeb(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (!configuration.BindOptions<WebOptions>(WebOptions.Section).Enabled)
            return services;
        services.AddValidatedOptions<WebOptions>(configuration, WebOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WebModerationChannel>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IModerationChannel, WebModerationChannel>(sp => sp.GetRequiredService<WebModerationChannel>()));
        services.TryAddSingleton<ReviewQueries>();
        services.AddShawBotAdapters(configuration);
        services.TryAddSingleton<WebRetrainState>();
        services.Configure<JsonOptions>(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        return services;
    }
}
