using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace ShawBot.Infrastructure.Discord.Gateway;

/// <summary>One received gateway payload: op, d, s, t.</summary>
internal readonly record struct GatewayFrame(GatewayOpCode Op, JsonElement Data, long? Sequence, string? EventName);

/// <summary>
/// One WebSocket to the gateway: framing, serialized and rate-limited sends, and the heartbeat
/// loop. Session logic (Identify/Resume, what a close means) lives in <see cref="DiscordGatewayClient"/>.
/// </summary>
internal sealed class GatewayConnection : IAsyncDisposable
{
    /// <summary>Close code we use when we drop a connection but mean to resume (1000/1001 would end the session).</summary>
    public const int ResumeCloseCode = 4900;

    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ArrayBufferWriter<byte> _receiveBuffer = new(16 * 1024);
    private readonly Channel<bool> _beatNow = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly DiscordGatewayOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private GatewaySendLimiter? _limiter;
    private volatile bool _awaitingAck;

    public GatewayConnection(DiscordGatewayOptions options, ILogger logger, TimeProvider time)
    {
        _options = options;
        _logger = logger;
        _time = time;
    }

    public WebSocketState State => _socket.State;

    public int? CloseStatus => (int?)_socket.CloseStatus;

    public string? CloseDescription => _socket.CloseStatusDescription;

    public Task ConnectAsync(Uri url, CancellationToken ct) => _socket.ConnectAsync(url, ct);

    /// <summary>Hello told us the interval; the heartbeat may take every slot, other sends leave enough for it.</summary>
    public void ConfigureSendBudget(TimeSpan heartbeatInterval)
    {
        int beatsPerWindow = (int)Math.Ceiling(_options.SendWindow / heartbeatInterval) + 1;
        int reserved = Math.Clamp(beatsPerWindow, 0, _options.SendLimit - 1);
        _limiter = new GatewaySendLimiter(_options.SendLimit, _options.SendWindow, reserved, _time);
    }

    /// <summary>Reads one whole message; null when the server closed the socket.</summary>
    public async Task<GatewayFrame?> ReceiveAsync(CancellationToken ct)
    {
        _receiveBuffer.ResetWrittenCount();
        while (true)
        {
            var result = await _socket.ReceiveAsync(_receiveBuffer.GetMemory(8 * 1024), ct).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
                return null;
            _receiveBuffer.Advance(result.Count);
            if (result.EndOfMessage)
                break;
        }
        using var doc = JsonDocument.Parse(_receiveBuffer.WrittenMemory);
        var root = doc.RootElement;
        var op = (GatewayOpCode)root.GetProperty("op").GetInt32();
        long? s = root.TryGetProperty("s", out var sEl) && sEl.ValueKind == JsonValueKind.Number ? sEl.GetInt64() : null;
        string? t = root.TryGetProperty("t", out var tEl) && tEl.ValueKind == JsonValueKind.String ? tEl.GetString() : null;
        // Clone detaches d from the pooled document so it outlives this call.
        var d = root.TryGetProperty("d", out var dEl) ? dEl.Clone() : default;
        return new GatewayFrame(op, d, s, t);
    }

    /// <summary>Sends {"op":op,"d":data} once the send budget allows. Payloads are never logged: Identify carries the token.</summary>
    public async Task SendAsync(GatewayOpCode op, object? data, bool priority, CancellationToken ct)
    {
        if (_limiter is not null)
            await _limiter.WaitAsync(priority, ct).ConfigureAwait(false);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("op", (int)op);
            writer.WritePropertyName("d");
            if (data is null)
                writer.WriteNullValue();
            else
                JsonSerializer.Serialize(writer, data, data.GetType(), DiscordJson.Options);
            writer.WriteEndObject();
        }
        await _sendLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, ct).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
        _logger.LogTrace("Gateway sent op {Op}", op);
    }

    public void OnHeartbeatAck() => _awaitingAck = false;

    /// <summary>Op 1 from the server: beat now, outside the schedule.</summary>
    public void RequestHeartbeat() => _beatNow.Writer.TryWrite(true);

    /// <summary>
    /// Beats every <paramref name="interval"/>, the first after interval × jitter (jitter in [0, 1)) so
    /// that clients reconnecting together do not beat together. A scheduled beat that finds the
    /// previous one unacknowledged means a zombie connection: returns false so the caller resumes.
    /// </summary>
    public async Task<bool> HeartbeatLoopAsync(TimeSpan interval, double jitter, Func<long?> sequence, CancellationToken ct)
    {
        var nextBeat = _time.GetUtcNow() + interval * jitter;
        var lastSent = DateTimeOffset.MinValue;
        while (true)
        {
            var wait = nextBeat - _time.GetUtcNow();
            bool requested = false;
            if (wait > TimeSpan.Zero)
            {
                using var delayCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var delay = Task.Delay(wait, _time, delayCts.Token);
                var signal = _beatNow.Reader.WaitToReadAsync(delayCts.Token).AsTask();
                var first = await Task.WhenAny(delay, signal).ConfigureAwait(false);
                ct.ThrowIfCancellationRequested();
                requested = first == signal && _beatNow.Reader.TryRead(out _);
                delayCts.Cancel();
            }
            if (!requested)
            {
                if (_awaitingAck)
                {
                    // A beat held back by the send limit left late; give its ACK a full interval too.
                    var ackDeadline = lastSent + interval;
                    if (_time.GetUtcNow() < ackDeadline)
                    {
                        nextBeat = ackDeadline;
                        continue;
                    }
                    _logger.LogWarning("No heartbeat ACK within {IntervalMs} ms: connection is a zombie, reconnecting", (int)interval.TotalMilliseconds);
                    return false;
                }
                nextBeat += interval;
            }
            else
            {
                _logger.LogDebug("Gateway asked for a heartbeat");
            }
            _awaitingAck = true;
            await SendAsync(GatewayOpCode.Heartbeat, sequence(), priority: true, ct).ConfigureAwait(false);
            lastSent = _time.GetUtcNow();
        }
    }

    /// <summary>Sends our close frame and drops the connection.</summary>
    public async Task CloseAsync(int code, string reason)
    {
        await CloseOutputAsync(code, reason).ConfigureAwait(false);
        Abort();
    }

    /// <summary>Sends our close frame (bounded: a peer that does not take it in time gets the socket aborted).</summary>
    public async Task CloseOutputAsync(int code, string reason)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _sendLock.WaitAsync(timeout.Token).ConfigureAwait(false);
                try
                {
                    await _socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, timeout.Token).ConfigureAwait(false);
                }
                finally
                {
                    _sendLock.Release();
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            _logger.LogDebug(ex, "Close handshake failed; aborting the socket");
            Abort();
        }
    }

    /// <summary>
    /// After our close frame: reads what the server sent before it saw that frame, until its close, a dropped
    /// connection or <paramref name="timeout"/>, handing each frame to <paramref name="onFrame"/>. Without this,
    /// events the server sent in that gap are only recoverable by a Resume replay, which a session invalidated
    /// meanwhile never gives.
    /// </summary>
    public async Task DrainAsync(Action<GatewayFrame> onFrame, TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            while (_socket.State == WebSocketState.CloseSent && await ReceiveAsync(limit.Token).ConfigureAwait(false) is { } frame)
                onFrame(frame);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or JsonException)
        {
            // Dropped, or the server took too long to answer our close: what it sent meanwhile is for a Resume to replay.
        }
    }

    public void Abort()
    {
        if (_socket.State is not WebSocketState.Closed)
            _socket.Abort();
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _sendLock.Dispose();
        return ValueTask.CompletedTask;
    }
}
