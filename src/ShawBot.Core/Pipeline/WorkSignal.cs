namespace ShawBot.Core.Pipeline;

/// <summary>
/// Wakes a loop early when upstream produced work (the poller stored comments, a moderator decided),
/// so the pipeline does not wait a full interval between stages. Lossy by design: one pending wake.
/// </summary>
public sealed class WorkSignal
{
    private TaskCompletionSource _pending = NewSource();

    public void Notify() => Volatile.Read(ref _pending).TrySetResult();

    /// <summary>Waits for a notification or <paramref name="timeout"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var pending = Volatile.Read(ref _pending);
        if (!pending.Task.IsCompleted)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(timeout, time, cts.Token);
            await Task.WhenAny(pending.Task, delay).ConfigureAwait(false);
            await cts.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        // Consume the wake; a Notify racing with this exchange is kept for the next wait.
        Interlocked.CompareExchange(ref _pending, NewSource(), pending);
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>The signals that connect the stages.</summary>
public sealed class PipelineSignals
{
    public WorkSignal Drafter { get; } = new();

    public WorkSignal Publisher { get; } = new();
}
