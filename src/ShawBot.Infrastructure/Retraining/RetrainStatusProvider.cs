using ShawBot.Core.Ports;
using ShawBot.Infrastructure.Adapters;

namespace ShawBot.Infrastructure.Retraining;

/// <summary>/shawbot status: queue sizes from the store, the live adapter, the last retrain.</summary>
public sealed class RetrainStatusProvider(ICommentStore store, AdapterRegistry registry, LiveAdapter live, RetrainCoordinator coordinator) : IStatusProvider
{
    public async Task<ServiceStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        var queues = await store.CountByStateAsync(cancellationToken).ConfigureAwait(false);
        var last = registry.LastRun;
        string? summary = last?.Summary;
        if (coordinator.Current is { } run)
            summary = $"running since {run.StartedAt:HH:mm} UTC (by {run.RequestedBy}"
                + (run.Progress is { } p ? $", step {p.Step}/{p.TotalSteps})" : ")") + (summary is null ? "" : $"; last: {summary}");
        return new ServiceStatus(queues, live.LiveVersion, last?.FinishedAt, summary);
    }
}
