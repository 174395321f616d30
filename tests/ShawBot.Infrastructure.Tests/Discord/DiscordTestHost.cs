using Microsoft.Extensions.Logging;
using ShawBot.Infrastructure.Discord.Gateway;
using ShawBot.Infrastructure.Discord.Rest;
using ShawBot.Sandbox.Discord;
using Xunit.Abstractions;

namespace ShawBot.Infrastructure.Tests.Discord;

/// <summary>A Discord sandbox plus a REST and gateway client pointed at it, with test-sized timings.</summary>
internal sealed class DiscordTestHost : IAsyncDisposable
{
    private DiscordTestHost(DiscordSandbox sandbox, ILoggerFactory loggers, DiscordRestClient rest)
    {
        Sandbox = sandbox;
        Loggers = loggers;
        Rest = rest;
    }

    public DiscordSandbox Sandbox { get; }

    public ILoggerFactory Loggers { get; }

    public DiscordRestClient Rest { get; }

    public DiscordGatewayClient? Gateway { get; private set; }

    public static async Task<DiscordTestHost> StartAsync(ITestOutputHelper output, TimeSpan? heartbeat = null, Func<DiscordRestOptions, DiscordRestOptions>? rest = null)
    {
        var loggers = LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(output)).SetMinimumLevel(LogLevel.Debug));
        var sandbox = await DiscordSandbox.StartAsync(new DiscordSandboxOptions { HeartbeatInterval = heartbeat ?? TimeSpan.FromSeconds(10) });
        var restOptions = new DiscordRestOptions
        {
            Token = sandbox.Options.Token,
            ApiBaseUrl = sandbox.ApiBaseUrl,
            ServerErrorBaseDelay = TimeSpan.FromMilliseconds(50),
            RateLimitMargin = TimeSpan.FromMilliseconds(10),
        };
        var client = new DiscordRestClient(new HttpClient(), rest?.Invoke(restOptions) ?? restOptions, loggers.CreateLogger<DiscordRestClient>());
        return new DiscordTestHost(sandbox, loggers, client);
    }

    public static DiscordGatewayOptions GatewayOptions(DiscordSandbox sandbox) => new()
    {
        Token = sandbox.Options.Token,
        InvalidSessionMinDelay = TimeSpan.FromMilliseconds(200),
        InvalidSessionMaxDelay = TimeSpan.FromMilliseconds(300),
        ReconnectMinDelay = TimeSpan.FromMilliseconds(50),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
        HelloTimeout = TimeSpan.FromSeconds(5),
        RandomSeed = 1234,
    };

    public async Task<DiscordGatewayClient> StartGatewayAsync(Func<DiscordGatewayOptions, DiscordGatewayOptions>? configure = null, TimeProvider? time = null)
    {
        var options = GatewayOptions(Sandbox);
        Gateway = new DiscordGatewayClient(Rest, configure?.Invoke(options) ?? options, Loggers.CreateLogger<DiscordGatewayClient>(), time);
        await Gateway.StartAsync();
        await Gateway.WaitUntilReadyAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return Gateway;
    }

    /// <summary>Waits for a gateway log entry matching <paramref name="match"/>; returns it.</summary>
    public async Task<GatewayLogEntry> WaitForLogAsync(Func<GatewayLogEntry, bool> match, string what, TimeSpan? timeout = null)
    {
        await DiscordSandbox.WaitUntilAsync(() => Sandbox.Gateway.Log.Any(match), timeout ?? TimeSpan.FromSeconds(10), what);
        return Sandbox.Gateway.Log.First(match);
    }

    public async ValueTask DisposeAsync()
    {
        if (Gateway is not null)
            await Gateway.DisposeAsync();
        await Sandbox.DisposeAsync();
        Loggers.Dispose();
    }
}

/// <summary>
/// A clock that stands still: "now" never moves and no timer it makes ever fires. A client on it runs every
/// path that does not wait for time (a reply to a request) and none that does (a schedule), so a test can tell
/// the two apart without timing anything.
/// </summary>
internal sealed class StoppedClock : TimeProvider
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => Now;

    public override long GetTimestamp() => 0;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new NeverTimer();

    private sealed class NeverTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

internal sealed class TestOutputLoggerProvider(ITestOutputHelper output) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(output, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void Dispose()
    {
    }

    private sealed class Logger(ITestOutputHelper output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel,-11} {category}: {formatter(state, exception)}{(exception is null ? "" : " | " + exception.GetType().Name + ": " + exception.Message)}");
            }
            catch (InvalidOperationException)
            {
                // The test already finished; xunit refuses late output.
            }
        }
    }
}
