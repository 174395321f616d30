using Quartz;

namespace ShawBot.Infrastructure.Retraining;

/// <summary>
/// The nightly retrain as a Quartz job. Never two at once (DisallowConcurrentExecution, and the
/// coordinator refuses a run while one is going, whoever started it).
/// </summary>
[DisallowConcurrentExecution]
public sealed class RetrainJob(RetrainCoordinator coordinator) : IJob
{
    public static readonly JobKey Key = new("retrain", "shawbot");
    public static readonly TriggerKey NightlyTrigger = new("retrain-nightly", "shawbot");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var outcome = await coordinator.RunAsync(new RetrainRequest("schedule"), cancellationToken).ConfigureAwait(false);
        context.Result = outcome.Summary;
    }
}
