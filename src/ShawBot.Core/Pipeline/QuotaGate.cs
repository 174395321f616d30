using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core.Options;
using ShawBot.Core.Ports;

namespace ShawBot.Core.Pipeline;

/// <summary>
/// The YouTube quota day (it resets at midnight Pacific time), the ledger charge before each call,
/// and the pause after the API says quotaExceeded. Shared by the poller and the publisher.
/// </summary>
public sealed partial class QuotaGate
{
    private static readonly TimeZoneInfo Pacific = FindPacific();

    private readonly IQuotaStore _quota;
    private readonly TimeProvider _time;
    private readonly IOptionsMonitor<PollerOptions> _options;
    private readonly ILogger<QuotaGate> _logger;
    private long _pausedUntilTicks;

    public QuotaGate(IQuotaStore quota, TimeProvider time, IOptionsMonitor<PollerOptions> options, ILogger<QuotaGate> logger)
    {
        _quota = quota;
        _time = time;
        _options = options;
        _logger = logger;
    }

    /// <summary>When calls may resume; at or before now when not paused.</summary>
    public DateTimeOffset PausedUntil => new(Interlocked.Read(ref _pausedUntilTicks), TimeSpan.Zero);

    public bool IsPaused => PausedUntil > _time.GetUtcNow();

    /// <summary>The Pacific calendar day that <paramref name="instant"/> falls in.</summary>
    public static DateOnly QuotaDay(DateTimeOffset instant) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Pacific).DateTime);

    /// <summary>The next midnight Pacific time after <paramref name="instant"/>.</summary>
    public static DateTimeOffset NextReset(DateTimeOffset instant)
    {
        var nextDay = QuotaDay(instant).AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(nextDay, Pacific.GetUtcOffset(nextDay));
    }

    /// <summary>Charges the ledger; false when paused or when the daily budget would be exceeded.</summary>
    public async Task<bool> TryChargeAsync(string operation, int units, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (PausedUntil > now)
        {
            return false;
        }

        var charged = await _quota.TryChargeQuotaAsync(QuotaDay(now), operation, units, _options.CurrentValue.DailyQuotaBudget, now, cancellationToken).ConfigureAwait(false);
        if (!charged)
        {
            LogBudgetSpent(operation, units, _options.CurrentValue.DailyQuotaBudget);
        }

        return charged;
    }

    /// <summary>The API reported quotaExceeded: no calls until the next Pacific midnight.</summary>
    public void PauseUntilReset()
    {
        var until = NextReset(_time.GetUtcNow());
        Interlocked.Exchange(ref _pausedUntilTicks, until.UtcTicks);
        LogPaused(until);
    }

    /// <summary>How long to wait before a call may succeed: zero when not paused.</summary>
    public TimeSpan RemainingPause()
    {
        var left = PausedUntil - _time.GetUtcNow();
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private static TimeZoneInfo FindPacific()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");
        }
        catch (TimeZoneNotFoundException)
        {
            // No tz database: fall back to standard time; off by an hour in summer at worst.
            return TimeZoneInfo.CreateCustomTimeZone("PST", TimeSpan.FromHours(-8), "PST", "PST");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Daily quota budget {Budget} would be exceeded by {Operation} ({Units} units); waiting for the reset")]
    private partial void LogBudgetSpent(string operation, int units, int budget);

    [LoggerMessage(Level = LogLevel.Warning, Message = "YouTube quota exceeded; pausing calls until {ResumeAt}")]
    private partial void LogPaused(DateTimeOffset resumeAt);
}
