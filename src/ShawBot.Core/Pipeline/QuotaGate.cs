using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core.Options;
using ShawBot.Core.Ports;

namespace ShawBot.Core.Pipeline;

/// <summary>
/// The YouTube quota day (it resets at midnight Pacific time), the ledger charge before each call,
/// and the pause after the API says quotaExceeded. Shared by the poller and the publisher.
/// The pause is kept in the store (cursor <see cref="PauseCursor"/>), so a restart keeps waiting for the reset.
/// </summary>
public sealed partial class QuotaGate
{
    public const string PauseCursor = "quota.paused_until";

    /// <summary>While paused, the "still paused" line is logged at most this often.</summary>
    public static readonly TimeSpan PauseLogInterval = TimeSpan.FromHours(1);

    private static readonly TimeZoneInfo Pacific = FindPacific();

    private readonly IQuotaStore _quota;
    private readonly TimeProvider _time;
    private readonly IOptionsMonitor<PollerOptions> _options;
    private readonly ILogger<QuotaGate> _logger;
    private long _pausedUntilTicks;
    private long _lastPauseLogTicks;
    private int _restored;

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
        await RestoreAsync(cancellationToken).ConfigureAwait(false);
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

    /// <summary>The API reported quotaExceeded: no calls until the next Pacific midnight, across restarts.</summary>
    public async Task PauseUntilResetAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var until = NextReset(now);
        Interlocked.Exchange(ref _pausedUntilTicks, until.UtcTicks);
        Interlocked.Exchange(ref _lastPauseLogTicks, now.UtcTicks);
        LogPaused(until);
        await _quota.SetCursorAsync(PauseCursor, until.ToString("O", CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a pause saved by an earlier run (once; later calls return at once).</summary>
    public async Task RestoreAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _restored) != 0)
        {
            return;
        }

        var saved = await _quota.GetCursorAsync(PauseCursor, cancellationToken).ConfigureAwait(false);
        if (saved is not null
            && DateTimeOffset.TryParse(saved, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var until)
            && until > _time.GetUtcNow() && until.UtcTicks > Interlocked.Read(ref _pausedUntilTicks))
        {
            Interlocked.Exchange(ref _pausedUntilTicks, until.UtcTicks);
            Interlocked.Exchange(ref _lastPauseLogTicks, _time.GetUtcNow().UtcTicks);
            LogRestored(until);
        }

        Volatile.Write(ref _restored, 1);
    }

    /// <summary>
    /// <see cref="IsPaused"/> for the loops: while paused it logs "still paused" at most once per
    /// <see cref="PauseLogInterval"/>, so a day-long pause is visible without flooding the log.
    /// </summary>
    public bool CheckPaused()
    {
        var now = _time.GetUtcNow();
        if (PausedUntil <= now)
        {
            return false;
        }

        var last = Interlocked.Read(ref _lastPauseLogTicks);
        if (now.UtcTicks - last >= PauseLogInterval.Ticks
            && Interlocked.CompareExchange(ref _lastPauseLogTicks, now.UtcTicks, last) == last)
        {
            LogStillPaused(PausedUntil);
        }

        return true;
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "YouTube calls still paused after quotaExceeded, until {ResumeAt}")]
    private partial void LogStillPaused(DateTimeOffset resumeAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "YouTube calls paused until {ResumeAt} (quotaExceeded before the restart)")]
    private partial void LogRestored(DateTimeOffset resumeAt);
}
