using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Infrastructure.Discord.Gateway;
using ShawBot.Infrastructure.Discord.Rest;

namespace ShawBot.Infrastructure.Discord.Moderation;

/// <summary>
/// Hosts the Discord side: connects the gateway, registers /shawbot (retrying until Discord
/// accepts it), and hands each interaction to <see cref="DiscordInteractionHandler"/> on its own
/// task (at most 16 at once), so a slow decision never delays another interaction's 3-second answer.
/// </summary>
public sealed partial class DiscordModerationService : BackgroundService
{
    private const int MaxConcurrentInteractions = 16;

    private readonly DiscordGatewayClient _gateway;
    private readonly DiscordRestClient _rest;
    private readonly DiscordInteractionHandler _handler;
    private readonly IOptionsMonitor<DiscordModerationOptions> _options;
    private readonly ILogger<DiscordModerationService> _logger;
    private readonly SemaphoreSlim _slots = new(MaxConcurrentInteractions, MaxConcurrentInteractions);
    private readonly TaskCompletionSource _commandsRegistered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DiscordModerationService(
        DiscordGatewayClient gateway,
        DiscordRestClient rest,
        DiscordInteractionHandler handler,
        IOptionsMonitor<DiscordModerationOptions> options,
        ILogger<DiscordModerationService> logger)
    {
        _gateway = gateway;
        _rest = rest;
        _handler = handler;
        _options = options;
        _logger = logger;
    }

    /// <summary>Completes once /shawbot is registered.</summary>
    public Task CommandsRegistered => _commandsRegistered.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await _gateway.StartAsync(stoppingToken).ConfigureAwait(false);
        var registration = RegisterCommandsAsync(stoppingToken);
        var inFlight = new List<Task>();
        try
        {
            await foreach (var interaction in _gateway.Interactions.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await _slots.WaitAsync(stoppingToken).ConfigureAwait(false);
                inFlight.RemoveAll(t => t.IsCompleted);
                inFlight.Add(Task.Run(async () =>
                {
                    try
                    {
                        await _handler.HandleAsync(interaction, stoppingToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        _slots.Release();
                    }
                }, CancellationToken.None));
            }
            if (_gateway.FatalCloseCode is { } code)
                LogGatewayStopped(_logger, code);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await Task.WhenAll(inFlight).ConfigureAwait(false);
            try { await registration.ConfigureAwait(false); } catch (OperationCanceledException) { }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _gateway.StopAsync().ConfigureAwait(false);
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task RegisterCommandsAsync(CancellationToken ct)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!ct.IsCancellationRequested)
        {
            var options = _options.CurrentValue;
            try
            {
                if (options.RegisterCommandsGlobally)
                    await _rest.BulkOverwriteGlobalCommandsAsync(options.ApplicationId, [DiscordInteractionHandler.SlashCommand], ct).ConfigureAwait(false);
                else
                    await _rest.BulkOverwriteGuildCommandsAsync(options.ApplicationId, options.GuildId, [DiscordInteractionHandler.SlashCommand], ct).ConfigureAwait(false);
                LogRegistered(_logger, options.RegisterCommandsGlobally ? "globally" : $"in guild {options.GuildId}");
                _commandsRegistered.TrySetResult();
                return;
            }
            catch (Exception ex) when (ex is DiscordRestException or HttpRequestException)
            {
                LogRegistrationFailed(_logger, ex, (int)delay.TotalSeconds);
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 300));
            }
        }
    }

    public override void Dispose()
    {
        _slots.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered /shawbot {Scope}")]
    private static partial void LogRegistered(ILogger logger, string scope);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registering /shawbot failed; retrying in {DelaySeconds} s")]
    private static partial void LogRegistrationFailed(ILogger logger, Exception exception, int delaySeconds);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Discord moderation is offline: the gateway stopped with close code {CloseCode}")]
    private static partial void LogGatewayStopped(ILogger logger, int closeCode);
}
