namespace ShawBot.Core.Ports;

/// <summary>The poller's page cursors and the YouTube quota spent per Pacific day.</summary>
public interface IQuotaStore
{
    Task<string?> GetCursorAsync(string name, CancellationToken cancellationToken);

    Task SetCursorAsync(string name, string value, CancellationToken cancellationToken);

    /// <summary>
    /// Atomically records <paramref name="units"/> for <paramref name="quotaDay"/> if the day's total stays
    /// within <paramref name="dailyBudget"/>; false (and nothing recorded) otherwise.
    /// </summary>
    Task<bool> TryChargeQuotaAsync(DateOnly quotaDay, string operation, int units, int dailyBudget, DateTimeOffset at, CancellationToken cancellationToken);

    Task<int> GetQuotaSpentAsync(DateOnly quotaDay, CancellationToken cancellationToken);
}
