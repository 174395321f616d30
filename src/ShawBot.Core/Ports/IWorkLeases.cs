using ShawBot.Core.Domain;

namespace ShawBot.Core.Ports;

/// <summary>
/// Leases on units of work, so several hosts can share one store. Claiming a comment for drafting
/// (<see cref="IReviewStore.TryBeginDraftingAsync"/>) or posting (<see cref="IPublishStore.TryBeginPostingAsync"/>)
/// also writes <c>claimed_by = Owner</c> and <c>lease_until = now + LeaseDuration</c>; the worker renews the lease
/// while it works, and another host takes the comment over only after the lease has expired.
/// </summary>
public interface IWorkLeases
{
    /// <summary>This host's name in <c>claimed_by</c> (ShawBot:Store:InstanceId).</summary>
    string Owner { get; }

    /// <summary>How long a claim lives without renewal (ShawBot:Store:LeaseSeconds).</summary>
    TimeSpan LeaseDuration { get; }

    /// <summary>Extends this host's lease on a Drafting or Posting comment; false when the lease is no longer ours.</summary>
    Task<bool> RenewLeaseAsync(string commentId, CancellationToken cancellationToken);

    /// <summary>
    /// Drafting comments whose lease has expired (their host died) or is this host's own (left by its previous run;
    /// call it only while this host drafts nothing) → New; returns how many.
    /// </summary>
    Task<int> ReleaseExpiredDraftingAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="limit"/> Posting comments (outcome unknown) whose lease expired or is already this
    /// host's, oldest first, skipping rows another host holds; returns them with the new lease.
    /// </summary>
    Task<IReadOnlyList<TrackedComment>> ClaimPostingAsync(int limit, CancellationToken cancellationToken);
}
