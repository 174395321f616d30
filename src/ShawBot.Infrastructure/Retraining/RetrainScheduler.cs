using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace ShawBot.Infrastructure.Retraining;

/// <summary>
/// Quartz for the nightly retrain, started by us instead of by Quartz's own hosted service. That one
/// creates the scheduler inside the host's start (GetScheduler validates the ADO.NET job store and
/// starts its threads: measured ≈ 2 s, with AwaitApplicationStarted too), so the moderation page and
/// the first draft waited for it. Here nothing happens during the host's start: once the host has
/// started and <see cref="RetrainOptions.SchedulerStartDelay"/> has passed (the first drafts have the
/// cores), this creates the QRTZ_* tables if missing, makes the stored nightly trigger match the
/// options, and starts the scheduler. The delay costs no fire: a trigger due meanwhile fires when the
/// scheduler starts (within <see cref="RetrainOptions.MisfireThreshold"/>, or as a misfire: fire once
/// and proceed). "Retrain now" goes to the coordinator and never needs the scheduler.
/// <para>
/// A trigger whose cron and time zone are unchanged is left as stored, so a fire missed while the
/// service was down is still pending and fires once; a changed one is rescheduled. A host stopped
/// during the delay still stores its trigger (without starting the scheduler), so a fire due while it
/// is down fires after the restart; stopping waits for that work, so a trigger is either stored or
/// never touched.
/// </para>
/// </summary>
internal sealed partial class RetrainScheduler(ISchedulerFactory factory, IOptions<RetrainOptions> options, IOptions<Store.StoreOptions> store,
    IHostApplicationLifetime lifetime, TimeProvider time, ILogger<RetrainScheduler> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _starting = Task.CompletedTask;
    private IScheduler? _scheduler;

    /// <summary>Completes once the scheduler started (or its start failed, or the host stopped first); for tests.</summary>
    public Task Starting => Volatile.Read(ref _starting);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => Volatile.Write(ref _starting, Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None)));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Cuts the delay short; the work after it (storing the trigger) is waited for, bounded by the host's stop timeout.
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Starting.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (Volatile.Read(ref _scheduler) is { } scheduler)
        {
            await scheduler.Shutdown(waitForJobsToComplete: false, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RunAsync(CancellationToken stopping)
    {
        var o = options.Value;
        try
        {
            if (o.SchedulerStartDelay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(o.SchedulerStartDelay, time, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    if (!o.ScheduleEnabled)
                    {
                        return; // nothing to store; the next start unschedules
                    }
                }
            }

            QuartzJobStore.EnsureCreated(store.Value, o);
            var scheduler = await factory.GetScheduler(CancellationToken.None).ConfigureAwait(false);
            Volatile.Write(ref _scheduler, scheduler);
            await ScheduleNightlyAsync(scheduler, o).ConfigureAwait(false);
            if (!stopping.IsCancellationRequested)
            {
                await scheduler.Start(CancellationToken.None).ConfigureAwait(false);
                LogStarted(logger);
            }
        }
        catch (Exception ex)
        {
            LogStartFailed(logger, ex);
        }
    }

    private async Task ScheduleNightlyAsync(IScheduler scheduler, RetrainOptions o)
    {
        if (!o.ScheduleEnabled)
        {
            if (await scheduler.UnscheduleJob(RetrainJob.NightlyTrigger, CancellationToken.None).ConfigureAwait(false))
            {
                LogUnscheduled(logger);
            }

            return;
        }

        var zone = o.ResolveTimeZone();
        var desired = TriggerBuilder.Create()
            .WithIdentity(RetrainJob.NightlyTrigger)
            .ForJob(RetrainJob.Key)
            .WithCronSchedule(o.Cron, c => c.InTimeZone(zone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
            .Build();
        var stored = await scheduler.GetTrigger(RetrainJob.NightlyTrigger, CancellationToken.None).ConfigureAwait(false) as ICronTrigger;
        if (stored is null)
        {
            await scheduler.ScheduleJob(desired, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        else if (stored.CronExpressionString != o.Cron || stored.TimeZone.Id != zone.Id)
        {
            await scheduler.RescheduleJob(RetrainJob.NightlyTrigger, desired, CancellationToken.None).ConfigureAwait(false);
        }

        var next = (await scheduler.GetTrigger(RetrainJob.NightlyTrigger, CancellationToken.None).ConfigureAwait(false))?.NextFireTimeUtc;
        LogScheduled(logger, o.Cron, zone.Id, next);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not start the retrain scheduler; \"Retrain now\" still works")]
    private static partial void LogStartFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retrain scheduler started")]
    private static partial void LogStarted(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Nightly retrain unscheduled (ShawBot:Retrain:ScheduleEnabled is false)")]
    private static partial void LogUnscheduled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Nightly retrain scheduled by cron {Cron} in {TimeZone}; next at {Next:u}")]
    private static partial void LogScheduled(ILogger logger, string cron, string timeZone, DateTimeOffset? next);
}
