using ShawBot.Core.Domain;

namespace ShawBot.Core.Ports;

/// <summary>Outcome of an operator command (retrain, rollback): whether it was taken, and a line for the operator.</summary>
public sealed record AdminActionResult(bool Accepted, string Message);

/// <summary>What <c>/shawbot status</c> shows.</summary>
/// <param name="QueueSizes">Comments per state.</param>
/// <param name="ActiveAdapter">Version of the adapter that writes drafts now; null when unknown.</param>
/// <param name="LastRetrainAt">When the last retrain finished; null when never or unknown.</param>
/// <param name="LastRetrainSummary">One line on the last retrain (e.g. "promoted v12, eval loss 1.84 → 1.79").</param>
public sealed record ServiceStatus(
    IReadOnlyDictionary<CommentState, int> QueueSizes,
    string? ActiveAdapter,
    DateTimeOffset? LastRetrainAt,
    string? LastRetrainSummary);

/// <summary>Starts a retrain now (the nightly job, run on demand). Implemented by the retrain scheduler.</summary>
public interface IRetrainTrigger
{
    /// <summary>False for the default registered when retraining is off: pages and commands then say "not configured".</summary>
    bool IsAvailable => true;

    Task<AdminActionResult> TriggerRetrainAsync(string requestedBy, CancellationToken cancellationToken);
}

/// <summary>Operator control of the live adapter. Implemented by the adapter registry.</summary>
public interface IAdapterAdmin
{
    /// <summary>False for the default registered when there is no adapter registry.</summary>
    bool IsAvailable => true;

    /// <summary>Makes the previous adapter live again.</summary>
    Task<AdminActionResult> RollbackAsync(string requestedBy, CancellationToken cancellationToken);
}

/// <summary>The service's state at a glance, for status commands and pages.</summary>
public interface IStatusProvider
{
    Task<ServiceStatus> GetStatusAsync(CancellationToken cancellationToken);
}
