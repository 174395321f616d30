using ShawBot.Core.Ports;

namespace ShawBot.Core.Pipeline;

/// <summary>
/// Renews this host's lease on one comment every third of <see cref="IWorkLeases.LeaseDuration"/> while the work runs,
/// so a lease only expires when its host stops (crash, kill, lost database). A renewal that finds the lease taken
/// stops renewing; the work itself is not interrupted, its result is refused by the store (SaveDraftAsync returns
/// null for a host that no longer holds the lease; a second reply is prevented by the thread check and the UNIQUE rows).
/// </summary>
public sealed class LeaseRenewal : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LeaseRenewal(IWorkLeases leases, string commentId, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(leases);
        _loop = RenewAsync(leases, commentId, time);
    }

    private async Task RenewAsync(IWorkLeases leases, string commentId, TimeProvider time)
    {
        var every = leases.LeaseDuration / 3;
        try
        {
            while (true)
            {
                await Task.Delay(every, time, _stop.Token).ConfigureAwait(false);
                if (!await leases.RenewLeaseAsync(commentId, _stop.Token).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception) when (!_stop.IsCancellationRequested)
        {
            // The store is unreachable: keep working; the lease expires on its own if this host really is cut off.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
