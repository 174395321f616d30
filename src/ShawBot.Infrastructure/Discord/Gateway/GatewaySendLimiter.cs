namespace ShawBot.Infrastructure.Discord.Gateway;

/// <summary>
/// Sliding-window limiter for gateway sends (Discord: 120 per 60 s, else close 4008). Heartbeats
/// may use the whole budget; other sends leave <c>reserved</c> slots so a burst of commands can
/// never starve the heartbeat and get the connection zombied.
/// </summary>
public sealed class GatewaySendLimiter
{
    private readonly Queue<DateTimeOffset> _sent = new();
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;

    public GatewaySendLimiter(int limit, TimeSpan window, int reserved, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(reserved);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(reserved, limit);
        Limit = limit;
        Window = window;
        Reserved = reserved;
        _time = time ?? TimeProvider.System;
    }

    public int Limit { get; }

    public TimeSpan Window { get; }

    public int Reserved { get; }

    /// <summary>Waits until one more send fits in the window, then books it.</summary>
    public async ValueTask WaitAsync(bool priority, CancellationToken ct)
    {
        int allowed = priority ? Limit : Limit - Reserved;
        while (true)
        {
            TimeSpan wait;
            lock (_lock)
            {
                var now = _time.GetUtcNow();
                while (_sent.Count > 0 && now - _sent.Peek() >= Window)
                    _sent.Dequeue();
                if (_sent.Count < allowed)
                {
                    _sent.Enqueue(now);
                    return;
                }
                // The slot we need frees when the send (count - allowed) places back leaves the window.
                wait = _sent.ElementAt(_sent.Count - allowed) + Window - now;
            }
            await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1), _time, ct).ConfigureAwait(false);
        }
    }
}
