using ShawBot.Core.Ports;

namespace ShawBot.Infrastructure.Discord.Moderation;

/// <summary>Status from the store alone (queue sizes); adapter and retrain facts come once those parts register their own provider.</summary>
public sealed class StoreStatusProvider(ICommentIngest comments) : IStatusProvider
{
    public async Task<ServiceStatus> GetStatusAsync(CancellationToken cancellationToken) =>
        new(await comments.CountByStateAsync(cancellationToken).ConfigureAwait(false), null, null, null);
}

/// <summary>Placeholder until the retrain job registers <see cref="IRetrainTrigger"/>.</summary>
public sealed class UnavailableRetrainTrigger : IRetrainTrigger
{
    public Task<AdminActionResult> TriggerRetrainAsync(string requestedBy, CancellationToken cancellationToken) =>
        Task.FromResult(new AdminActionResult(false, "Retraining is not available in this build."));
}

/// <summary>Placeholder until the adapter registry registers <see cref="IAdapterAdmin"/>.</summary>
public sealed class UnavailableAdapterAdmin : IAdapterAdmin
{
    public Task<AdminActionResult> RollbackAsync(string requestedBy, CancellationToken cancellationToken) =>
        Task.FromResult(new AdminActionResult(false, "Adapter rollback is not available in this build."));
}
