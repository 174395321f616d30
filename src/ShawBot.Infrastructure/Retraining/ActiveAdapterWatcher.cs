using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Infrastructure.Engine;

namespace ShawBot.Infrastructure.Retraining;

/// <summary>
/// Follows adapters/active when something outside this process moves it (`shawbot adapters
/// activate|rollback`, or an offline `shawbot retrain` that promoted): the running engine swaps to
/// the version it names within <see cref="RetrainOptions.PointerPollInterval"/>, base untouched.
/// </summary>
public sealed class ActiveAdapterWatcher(
    AdapterRegistry registry,
    IOptions<RetrainOptions> options,
    ILogger<ActiveAdapterWatcher> logger,
    LanguageModel? model = null,
    TimeProvider? time = null) : BackgroundService
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Swaps the live adapter to what the pointer names; true when it changed something.</summary>
    public bool SyncOnce()
    {
        if (model is not { IsLoaded: true }) return false;     // no engine in this host, or not loaded yet
        string? wanted = registry.ActiveVersion;
        if (wanted is null && !registry.HasExplicitBaseModel) return false;   // no pointer: the engine's own choice stands
        var set = model.Adapters;
        if (set.Active?.Version == wanted) return false;
        if (wanted != null)
        {
            if (registry.Get(wanted) is not { } version)
            {
                logger.LogWarning("adapters/active names {Version}, which is not a whole version; the live adapter stays", wanted);
                return false;
            }
            if (!set.Names.Contains(wanted)) set.Load(wanted, version.Path);
        }
        set.Activate(wanted);
        foreach (var name in set.Names.Where(n => n != wanted)) set.Unload(name);
        logger.LogInformation("Adapter {Version} is live (adapters/active changed outside this process)", wanted ?? "base");
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (model is null) return;
        var interval = options.Value.PointerPollInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, _time, stoppingToken).ConfigureAwait(false);
                SyncOnce();
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
