using ShawBot.Core.Ports;

namespace ShawBot.Core.Moderation;

/// <summary>Status from the store alone (queue sizes): what the service reports when retraining is off.</summary>
public sealed class StoreStatusProvider(ICommentIngest comments) : IStatusProvider
{
    public async Task<ServiceStatus> GetStatusAsync(CancellationToken cancellationToken) =>
        new(await comments.CountByStateAsync(cancellationToken).ConfigureAwait(false), null, null, null);
}

/// <summary>The retrain trigger when retraining is off: it says so, and callers ask <see cref="IsAvailable"/> before offering it.</summary>
public sealed class UnavailableRetrainTrigger : IRetrainTrigger
{
    public bool IsAvailable => false;

    public Task<AdminActionResult> TriggerRetrainAsync(string requestedBy, CancellationToken cancellationToken) =>
        Task.FromResult(new AdminActionResult(false, "Retraining is not available in this build."));
}

/// <summary>Adapter rollback when there is no adapter registry (retraining off).</summary>
public sealed class UnavailableAdapterAdmin : IAdapterAdmin
{
    public bool IsAvailable => false;

    public Task<AdminActionResult> RollbackAsync(string requestedBy, CancellationToken cancellationToken) =>
        Task.FromResult(new AdminActionResult(false, "Adapter rollback is not available in this build."));
}
