using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace ShawBot.Sandbox.Discord;

/// <summary>
/// Discord-style rate limits for the sandbox's REST routes: fixed-window buckets per route key
/// and top-level resource announced through X-RateLimit-* headers, plus injected 429s (per route
/// or global) and 5xx. A request that arrives while its bucket is empty or a global limit is in
/// force is answered 429 and counted in <see cref="Violations"/>: a well-behaved client keeps it 0.
/// </summary>
public sealed class SandboxRateLimits
{
    private readonly object _lock = new();
    private readonly Dictionary<string, (int Limit, TimeSpan Reset)> _configured = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BucketState> _buckets = new(StringComparer.Ordinal);
    private readonly List<Injection> _injections = new();
    private readonly Stopwatch _clock;
    private readonly DiscordSandboxOptions _options;
    private TimeSpan _globalUntil;
    private int _violations;

    internal SandboxRateLimits(DiscordSandboxOptions options, Stopwatch clock)
    {
        _options = options;
        _clock = clock;
    }

    /// <summary>Requests that ignored an announced limit.</summary>
    public int Violations => Volatile.Read(ref _violations);

    /// <summary>Sets the budget of a route, e.g. ("POST /channels/{channel_id}/messages", 2, 1 s).</summary>
    public void SetBucket(string routeKey, int limit, TimeSpan resetAfter)
    {
        lock (_lock)
            _configured[routeKey] = (limit, resetAfter);
    }

    /// <summary>
    /// The next <paramref name="times"/> requests to the route (or to any route when
    /// <paramref name="routeKey"/> is "*") get a 429 with this retry_after; global sets "global": true
    /// and X-RateLimit-Global, which pauses every route. Body and Retry-After header both carry it
    /// unless <paramref name="headerOnly"/> (then the body is not JSON).
    /// </summary>
    public void Inject429(string routeKey, TimeSpan retryAfter, bool global = false, int times = 1, bool headerOnly = false)
    {
        lock (_lock)
            _injections.Add(new Injection(routeKey, 429, retryAfter, global, headerOnly) { Remaining = times });
    }

    /// <summary>The next <paramref name="times"/> requests to the route get <paramref name="status"/> (e.g. 502).</summary>
    public void InjectServerError(string routeKey, int status = 502, int times = 1)
    {
        lock (_lock)
            _injections.Add(new Injection(routeKey, status, TimeSpan.Zero, false, false) { Remaining = times });
    }

    /// <summary>Decides the fate of a request; writes headers; returns false when the response is already written.</summary>
    internal async Task<bool> AdmitAsync(HttpContext context, string routeKey, string majorParameter)
    {
        Injection? injection = null;
        TimeSpan now = _clock.Elapsed;
        int status = 0;
        TimeSpan retryAfter = default;
        bool global = false, headerOnly = false, violation = false;
        lock (_lock)
        {
            if (now < _globalUntil)
            {
                violation = true;
                status = 429;
                retryAfter = _globalUntil - now;
                global = true;
            }
            else
            {
                injection = _injections.FirstOrDefault(i => i.Remaining > 0 && (i.RouteKey == "*" || i.RouteKey == routeKey));
                if (injection is not null)
                {
                    injection.Remaining--;
                    status = injection.Status;
                    retryAfter = injection.RetryAfter;
                    global = injection.Global;
                    headerOnly = injection.HeaderOnly;
                    if (status == 429 && global)
                        _globalUntil = now + retryAfter;
                }
            }

            string bucketKey = $"{routeKey}|{majorParameter}";
            var (limit, reset) = _configured.TryGetValue(routeKey, out var c) ? c : (_options.DefaultBucketLimit, _options.DefaultBucketReset);
            if (!_buckets.TryGetValue(bucketKey, out var bucket) || now >= bucket.ResetAt)
                _buckets[bucketKey] = bucket = new BucketState { Remaining = limit, ResetAt = now + reset };
            if (status == 0)
            {
                if (bucket.Remaining == 0)
                {
                    violation = true;
                    status = 429;
                    retryAfter = bucket.ResetAt - now;
                }
                else
                {
                    bucket.Remaining--;
                }
            }
            else if (status == 429 && !global)
            {
                // A per-route 429 empties the bucket until retry_after has passed.
                bucket.Remaining = 0;
                if (bucket.ResetAt < now + retryAfter)
                    bucket.ResetAt = now + retryAfter;
            }
            var headers = context.Response.Headers;
            headers["X-RateLimit-Limit"] = limit.ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Remaining"] = bucket.Remaining.ToString(CultureInfo.InvariantCulture);
            var resetAfter = bucket.ResetAt - now;
            headers["X-RateLimit-Reset-After"] = resetAfter.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
            double resetEpoch = (DateTimeOffset.UtcNow + resetAfter).ToUnixTimeMilliseconds() / 1000.0;
            headers["X-RateLimit-Reset"] = resetEpoch.ToString("0.000", CultureInfo.InvariantCulture);
            headers["X-RateLimit-Bucket"] = $"b{(uint)StringComparer.Ordinal.GetHashCode(routeKey):x8}";
            if (violation)
                _violations++;
        }

        if (status == 0)
            return true;
        context.Response.StatusCode = status;
        if (status != 429)
        {
            await context.Response.WriteAsync("{\"message\": \"sandbox injected server error\", \"code\": 0}").ConfigureAwait(false);
            return false;
        }
        context.Response.Headers["Retry-After"] = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["X-RateLimit-Scope"] = global ? "global" : "user";
        if (global)
            context.Response.Headers["X-RateLimit-Global"] = "true";
        if (headerOnly)
        {
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html>429 Too Many Requests</html>").ConfigureAwait(false);
        }
        else
        {
            context.Response.ContentType = "application/json";
            string body = string.Create(CultureInfo.InvariantCulture,
                $"{{\"message\": \"You are being rate limited.\", \"retry_after\": {retryAfter.TotalSeconds:0.000}, \"global\": {(global ? "true" : "false")}}}");
            await context.Response.WriteAsync(body).ConfigureAwait(false);
        }
        return false;
    }

    private sealed class BucketState
    {
        public int Remaining { get; set; }
        public TimeSpan ResetAt { get; set; }
    }

    private sealed record Injection(string RouteKey, int Status, TimeSpan RetryAfter, bool Global, bool HeaderOnly)
    {
        public int Remaining { get; set; }
    }
}
