using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;

namespace ShawBot.Infrastructure.Discord.Rest;

/// <summary>
/// Maps routes to buckets and holds the global limit. A route starts in a bucket keyed by its
/// template; once a response names its X-RateLimit-Bucket hash, later requests use the shared
/// bucket "hash + major parameter", so routes that Discord groups share one budget.
/// </summary>
internal sealed class RestRateLimiter
{
    private readonly ConcurrentDictionary<string, string> _routeHashes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RateLimitBucket> _buckets = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private long _globalUntilTicks;

    public RestRateLimiter(TimeProvider time) => _time = time;

    public DateTimeOffset GlobalUntil => new(Interlocked.Read(ref _globalUntilTicks), TimeSpan.Zero);

    public RateLimitBucket GetBucket(DiscordRoute route)
    {
        string id = _routeHashes.TryGetValue(route.RouteKey, out var hash) ? hash : route.RouteKey;
        string key = $"{id}|{route.MajorParameter}";
        return _buckets.GetOrAdd(key, static (k, time) => new RateLimitBucket(k, time), _time);
    }

    /// <summary>Waits while a global 429 is in force.</summary>
    public async ValueTask<TimeSpan> WaitGlobalAsync(TimeSpan margin, CancellationToken ct)
    {
        var waited = TimeSpan.Zero;
        while (true)
        {
            var wait = GlobalUntil - _time.GetUtcNow();
            if (wait <= TimeSpan.Zero)
                return waited;
            await Task.Delay(wait + margin, _time, ct).ConfigureAwait(false);
            waited += wait + margin;
        }
    }

    public void SetGlobal(TimeSpan retryAfter)
    {
        long until = (_time.GetUtcNow() + retryAfter).UtcTicks;
        long seen;
        do
        {
            seen = Interlocked.Read(ref _globalUntilTicks);
            if (seen >= until)
                return;
        }
        while (Interlocked.CompareExchange(ref _globalUntilTicks, until, seen) != seen);
    }

    /// <summary>Records the bucket hash and budget that a response announced.</summary>
    public void Update(DiscordRoute route, RateLimitBucket bucket, HttpResponseHeaders headers)
    {
        if (TryGetString(headers, "X-RateLimit-Bucket") is { Length: > 0 } hash)
            _routeHashes[route.RouteKey] = hash;
        int? limit = TryGetInt(headers, "X-RateLimit-Limit");
        int? remaining = TryGetInt(headers, "X-RateLimit-Remaining");
        TimeSpan? resetAfter = TryGetSeconds(headers, "X-RateLimit-Reset-After");
        bucket.Update(limit, remaining, resetAfter);

        // The first response told us the hash: move the budget into the shared bucket as well,
        // so the request after it already waits if this one used the last slot.
        var shared = GetBucket(route);
        if (!ReferenceEquals(shared, bucket))
            shared.Update(limit, remaining, resetAfter);
    }

    internal static string? TryGetString(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    internal static int? TryGetInt(HttpResponseHeaders headers, string name) =>
        int.TryParse(TryGetString(headers, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : null;

    internal static TimeSpan? TryGetSeconds(HttpResponseHeaders headers, string name) =>
        double.TryParse(TryGetString(headers, name), NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s >= 0
            ? TimeSpan.FromSeconds(s)
            : null;
}
