using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace ShawBot.Infrastructure.Retraining;

/// <summary>Creates the QRTZ_* tables before the Quartz hosted service starts the scheduler.</summary>
internal sealed class QuartzSchemaMigration(IOptions<RetrainOptions> options, IOptions<Store.StoreOptions> store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        QuartzJobStore.EnsureCreated(store.Value, options.Value);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Makes the stored nightly trigger match the options once the scheduler runs. A trigger whose cron
/// and time zone are unchanged is left as stored, so a fire missed while the service was down is
/// still pending and fires once (misfire: fire and proceed); a changed one is rescheduled.
/// The work (creating the scheduler reads and validates its job store: about a second) runs once the
/// host has started, as Quartz's own hosted service does with AwaitApplicationStarted, so it never
/// delays the first draft; stopping waits for it, so a trigger is either stored or never touched.
/// </summary>
internal sealed class RetrainScheduleService(ISchedulerFactory factory, IOptions<RetrainOptions> options, IHostApplicationLifetime lifetime,
    ILogger<RetrainScheduleService> logger) : IHostedService
{
    private Task _scheduling = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Not cancelled by ApplicationStopping: a host stopped straight after starting still stores its trigger
        // (a fire due while it is down must fire after the restart); StopAsync waits, bounded by the host's stop timeout.
        lifetime.ApplicationStarted.Register(() => _scheduling = Task.Run(() => ScheduleAsync(CancellationToken.None)));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await _scheduling.WaitAsync(cancellationToken).ConfigureAwait(false);

    private async Task ScheduleAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ScheduleCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Could not schedule the nightly retrain; \"Retrain now\" still works");
        }
    }

    private async Task ScheduleCoreAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var scheduler = await factory.GetScheduler(cancellationToken).ConfigureAwait(false);
        if (!o.ScheduleEnabled)
        {
            if (await scheduler.UnscheduleJob(RetrainJob.NightlyTrigger, cancellationToken).ConfigureAwait(false))
                logger.LogInformation("Nightly retrain unscheduled (ShawBot:Retrain:ScheduleEnabled is false)");
            return;
        }

        var zone = o.ResolveTimeZone();
        var desired = TriggerBuilder.Create()
            .WithIdentity(RetrainJob.NightlyTrigger)
            .ForJob(RetrainJob.Key)
            .WithCronSchedule(o.Cron, c => c.InTimeZone(zone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
            .Build();
        var stored = await scheduler.GetTrigger(RetrainJob.NightlyTrigger, cancellationToken).ConfigureAwait(false) as ICronTrigger;
        if (stored is null)
        {
            await scheduler.ScheduleJob(desired, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        else if (stored.CronExpressionString != o.Cron || stored.TimeZone.Id != zone.Id)
        {
            await scheduler.RescheduleJob(RetrainJob.NightlyTrigger, desired, cancellationToken).ConfigureAwait(false);
        }

        var next = (await scheduler.GetTrigger(RetrainJob.NightlyTrigger, cancellationToken).ConfigureAwait(false))?.NextFireTimeUtc;
        logger.LogInformation("Nightly retrain scheduled by cron {Cron} in {TimeZone}; next at {Next:u}", o.Cron, zone.Id, next);
    }
}
