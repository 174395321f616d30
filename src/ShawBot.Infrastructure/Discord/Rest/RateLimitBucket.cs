namespace ShawBot.Infrastructure.Discord.Rest;

/// <summary>
/// One Discord rate-limit bucket (a bucket hash plus the top-level resource). Requests through a
/// bucket run one at a time, like Discord.Net's RequestQueueBucket: the response of one request
/// carries the Remaining/Reset-After that decide whether the next may go, so serializing them is
/// what keeps a burst from overrunning the limit.
/// </summary>
internal sealed class RateLimitBucket
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _time;
    private int? _limit;
    private int? _remaining;
    private DateTimeOffset _resetAt;

    public RateLimitBucket(string key, TimeProvider time)
    {
        Key = key;
        _time = time;
    }

    public string Key { get; }

    /// <summary>Enters the bucket, waiting for its reset when the last response said Remaining: 0.</summary>
    /// <returns>How long the caller waited for the reset (zero when it did not).</returns>
    public async ValueTask<TimeSpan> EnterAsync(TimeSpan margin, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_remaining is 0)
            {
                var wait = _resetAt - _time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait + margin, _time, ct).ConfigureAwait(false);
                    _remaining = _limit;
                    return wait + margin;
                }
                _remaining = _limit;
            }
            return TimeSpan.Zero;
        }
        catch
        {
            _gate.Release();
            throw;
        }
    }

    public void Exit() => _gate.Release();

    /// <summary>Applies X-RateLimit-Limit / -Remaining / -Reset-After of a response.</summary>
    public void Update(int? limit, int? remaining, TimeSpan? resetAfter)
    {
        if (limit is not null)
            _limit = limit;
        if (remaining is not null)
            _remaining = remaining;
        if (resetAfter is { } after)
            _resetAt = _time.GetUtcNow() + after;
    }

    /// <summary>After a per-route 429: nothing may go until <paramref name="retryAfter"/> has passed.</summary>
    public void Exhaust(TimeSpan retryAfter)
    {
        _remaining = 0;
        var until = _time.GetUtcNow() + retryAfter;
        if (until > _resetAt)
            _resetAt = until;
    }
}
