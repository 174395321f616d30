using Microsoft.Extensions.Logging;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.Engine;

namespace ShawBot.Infrastructure.Retraining;

/// <summary>
/// The live adapter: registry pointer plus the in-memory swap (load beside the base, activate by
/// reference swap, drop the others). /shawbot rollback and promotions go through here.
/// </summary>
public sealed class RegistryAdapterAdmin(AdapterRegistry registry, LanguageModel model, ILogger<RegistryAdapterAdmin>? logger = null) : IAdapterAdmin
{
    private readonly object _gate = new();

    public Task<AdminActionResult> RollbackAsync(string requestedBy, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            string? from = registry.ActiveVersion;
            if (from is null) return Task.FromResult(new AdminActionResult(false, "No adapter is active: the base model is already live."));
            string? to = registry.RollbackTarget();
            return Task.FromResult(Activate(to, requestedBy, $"rollback from {from}", $"Rolled back from {from} to {to ?? "the base model"}."));
        }
    }

    /// <summary>Makes a version (null: the base model) live now.</summary>
    public AdminActionResult Activate(string? version, string requestedBy, string reason, string? message = null)
    {
        lock (_gate)
        {
            if (version != null && registry.Get(version) is null)
                return new AdminActionResult(false, $"No adapter version {version}.");
            var set = model.Adapters;
            if (version != null && !set.Names.Contains(version)) set.Load(version, registry.VersionPath(version));
            registry.SetActive(version, requestedBy, reason);
            set.Activate(version);
            foreach (var name in set.Names.Where(n => n != version)) set.Unload(name);
            logger?.LogInformation("Adapter {Version} is live ({Reason}; by {RequestedBy})", version ?? "base", reason, requestedBy);
            return new AdminActionResult(true, message ?? $"{version ?? "The base model"} is live.");
        }
    }
}

/// <summary>/shawbot status: queue sizes from the store, the live adapter, the last retrain.</summary>
public sealed class RetrainStatusProvider(ICommentStore store, AdapterRegistry registry, LanguageModel model, RetrainCoordinator coordinator) : IStatusProvider
{
    public async Task<ServiceStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        var queues = await store.CountByStateAsync(cancellationToken).ConfigureAwait(false);
        string? active = model.IsLoaded ? model.Adapters.Active?.Version ?? "base" : registry.ActiveVersion;
        var last = registry.LastRun;
        string? summary = last?.Summary;
        if (coordinator.Current is { } run)
            summary = $"running since {run.StartedAt:HH:mm} UTC (by {run.RequestedBy}"
                + (run.Progress is { } p ? $", step {p.Step}/{p.TotalSteps})" : ")") + (summary is null ? "" : $"; last: {summary}");
        return new ServiceStatus(queues, active, last?.FinishedAt, summary);
    }
}
