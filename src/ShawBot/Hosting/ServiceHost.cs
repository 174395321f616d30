using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ShawBot.Core;
using ShawBot.Infrastructure.Web;

namespace ShawBot.Cli.Hosting;

/// <summary>Builds the service as one Kestrel host: the pipeline's background loops plus the moderation page.</summary>
internal static class ServiceHost
{
    /// <param name="configure">Adds configuration sources (appsettings, environment, user secrets, or the demo's settings).</param>
    /// <param name="services">Extra registrations after <see cref="ShawBotServiceCollectionExtensions.AddShawBot"/> (tests, demo).</param>
    public static WebApplication Build(string contentRoot, Action<IConfigurationBuilder> configure, Action<IServiceCollection, IConfiguration>? services = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = contentRoot, ApplicationName = "ShawBot" });
        configure(builder.Configuration);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Services.AddRouting();
        builder.Services.AddShawBot(builder.Configuration);
        services?.Invoke(builder.Services, builder.Configuration);

        var web = builder.Configuration.BindOptions<WebOptions>(WebOptions.Section);
        // Kestrel listens only when the page is on; a Discord-only service opens no port.
        if (!web.Enabled)
        {
            builder.Services.AddSingleton<IServer, NoServer>();
        }
        else
        {
            builder.WebHost.UseKestrelCore();
            builder.WebHost.UseUrls($"http://{(web.Address.Contains(':') ? $"[{web.Address}]" : web.Address)}:{web.Port}");
        }

        var app = builder.Build();
        // Options are bound and validated here, before the host starts: a bad value (Poller:Interval=banana)
        // surfaces as one exception for the command to print as one line, not as a logged host start failure
        // with its stack trace.
        app.Services.GetService<IStartupValidator>()?.Validate();
        if (web.Enabled)
        {
            app.UseRouting();
            app.UseShawBotWeb(app.Services.GetRequiredService<IOptions<WebOptions>>().Value);
        }

        return app;
    }

    /// <summary>The page's address once the host listens (the real port when 0 was asked for).</summary>
    public static Uri? PageAddress(WebApplication app)
    {
        var server = app.Services.GetRequiredService<IServer>();
        var address = server is NoServer ? null : server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return address is null ? null : new Uri(address.EndsWith('/') ? address : address + "/");
    }

    /// <summary>The server when the page is off: the host runs its background services and listens nowhere.</summary>
    private sealed class NoServer : IServer
    {
        public IFeatureCollection Features { get; } = new FeatureCollection();

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }
}
