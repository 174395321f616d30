using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ShawBot.Core;
using ShawBot.Core.Domain;
using ShawBot.Core.Ports;
using ShawBot.Sandbox.YouTube;

namespace ShawBot.Infrastructure.Tests.Support;

/// <summary>The whole pipeline in this process (Generic Host), against a sandbox, with a temp database.</summary>
public sealed class PipelineHarness : IAsyncDisposable
{
    private readonly IHost _host;

    private PipelineHarness(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public ICommentStore Store => Services.GetRequiredService<ICommentStore>();

    public static Dictionary<string, string?> Settings(YouTubeSandbox sandbox, string databasePath) => new()
    {
        ["ShawBot:Channel:ChannelId"] = sandbox.ChannelId,
        ["ShawBot:Store:DatabasePath"] = databasePath,
        ["ShawBot:YouTube:BaseUri"] = sandbox.BaseUri.ToString(),
        ["ShawBot:YouTube:Auth"] = "none",
        ["ShawBot:YouTube:RetryBaseDelay"] = "00:00:00.010",
        ["ShawBot:YouTube:MaxRetries"] = "2",
        ["ShawBot:YouTube:RequestTimeout"] = "00:00:02",
        ["ShawBot:Poller:Interval"] = "00:00:00.100",
        ["ShawBot:Poller:DailyQuotaBudget"] = "1000000",
        ["ShawBot:Drafter:Interval"] = "00:00:00.100",
        ["ShawBot:Publisher:Interval"] = "00:00:00.050",
        ["ShawBot:Loops:InitialBackoff"] = "00:00:00.020",
        ["ShawBot:Loops:MaxBackoff"] = "00:00:00.200",
    };

    public static async Task<PipelineHarness> StartAsync(
        YouTubeSandbox sandbox, string databasePath, Action<Dictionary<string, string?>>? configure = null, TimeProvider? time = null,
        Action<IServiceCollection, IConfiguration>? services = null)
    {
        var settings = Settings(sandbox, databasePath);
        configure?.Invoke(settings);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services
            .AddShawBotCore(builder.Configuration)
            .AddShawBotInfrastructure(builder.Configuration)
            .AddAutoApproveModeration();
        services?.Invoke(builder.Services, builder.Configuration);
        builder.Services.AddStubReplyWriter();   // unless the callback registered a writer (the engine)
        var host = builder.Build();
        await host.StartAsync();
        return new PipelineHarness(host);
    }

    public async Task<int> CountAsync(CommentState state) =>
        (await Store.CountByStateAsync(CancellationToken.None))[state];

    public async Task<string> DescribeAsync() =>
        string.Join(", ", (await Store.CountByStateAsync(CancellationToken.None)).Where(p => p.Value > 0).Select(p => $"{p.Key}={p.Value}"));

    /// <summary>Waits for <paramref name="condition"/>; on timeout the failure names the state counts.</summary>
    public async Task WaitAsync(Func<PipelineHarness, Task<bool>> condition, TimeSpan timeout, string what)
    {
        try
        {
            await Wait.UntilAsync(() => condition(this), timeout, what);
        }
        catch (Xunit.Sdk.FailException)
        {
            Assert.Fail($"Timed out waiting for {what}; states: {await DescribeAsync()}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(TimeSpan.FromSeconds(5));
        _host.Dispose();
    }
}
