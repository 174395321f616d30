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
/// </summary>
internal sealed class RetrainScheduleService(ISchedulerFactory factory, IOptions<RetrainOptions> options, ILogger<RetrainScheduleService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
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

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
