using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ShawBot.Infrastructure.Adapters;

/// <summary>
/// Polls adapters/active every <see cref="AdaptersOptions.PointerPollInterval"/> and lets
/// <see cref="LiveAdapter.Follow"/> swap the running engine when something outside this process moved it.
/// </summary>
public sealed class ActiveAdapterWatcher(
    LiveAdapter live,
    IOptions<AdaptersOptions> options,
    ILogger<ActiveAdapterWatcher> logger,
    TimeProvider? time = null) : BackgroundService
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.PointerPollInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, _time, stoppingToken).ConfigureAwait(false);
                live.Follow();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Following adapters/active failed; trying again in {Interval}", interval);
            }
        }
    }
}
