using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace ShawBot.Sandbox.Discord;

/// <summary>
/// The sandbox's gateway: Hello, heartbeat ACKs, Identify → READY, Resume → replay + RESUMED,
/// sequence numbers and INTERACTION_CREATE dispatches, plus the faults a test can inject.
/// One bot, one shard: at most one connection is "live" at a time.
/// <para>
/// Delivery model (what makes "each interaction exactly once" testable): a dispatch belongs to a
/// session and is kept in that session's buffer, so a Resume replays whatever the client did not
/// acknowledge by seq. Dispatches raised while no session is ready wait in a pending queue and go
/// to the next session that becomes ready. Frames to one connection leave through one queue, so
/// they arrive in the order they were decided.
/// </para>
/// </summary>
public sealed class SandboxGateway
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Session> _sessions = new();
    private readonly Queue<(string Event, JsonNode Data)> _pending = new();
    private readonly List<GatewayLogEntry> _log = new();
    private readonly Stopwatch _clock;
    private readonly DiscordSandboxOptions _options;
    private Connection? _live;
    private int _connectionIds;

    internal SandboxGateway(DiscordSandboxOptions options, Stopwatch clock)
    {
        _options = options;
        _clock = clock;
        HeartbeatInterval = options.HeartbeatInterval;
    }

    /// <summary>Heartbeat interval announced in the next Hello.</summary>
    public TimeSpan HeartbeatInterval { get; set; }

    /// <summary>While true, heartbeats get no ACK (the client should see a zombie and reconnect).</summary>
    public bool SwallowHeartbeatAcks { get; set; }

    /// <summary>Base of resume_gateway_url in READY (set by the host once the port is known).</summary>
    internal string ResumeUrl { get; set; } = "";

    /// <summary>Snapshot of everything sent and received, in order.</summary>
    public IReadOnlyList<GatewayLogEntry> Log
    {
        get { lock (_log) return _log.ToArray(); }
    }

    public int ConnectionCount => Volatile.Read(ref _connectionIds);

    /// <summary>True when a connection holds a session that is READY or RESUMED.</summary>
    public bool IsSessionReady
    {
        get { lock (_gate) return _live is { Session: not null, Ready: true }; }
    }

    /// <summary>Dispatches an event to the live session (or queues it until one is ready).</summary>
    public void Dispatch(string eventName, JsonNode data)
    {
        lock (_gate)
        {
            if (_live is { Session: { } session, Ready: true } live)
                SendDispatch(live, session, eventName, data);
            else
                _pending.Enqueue((eventName, data));
        }
    }

    /// <summary>
    /// Dispatches to the live session if it is ready and identified with all of <paramref name="intents"/>;
    /// otherwise the event is lost (not queued), as for a bot that was offline or restarted: a client must
    /// read the history for what it missed. <paramref name="shape"/> adapts the payload to the session's intents.
    /// </summary>
    public bool DispatchIfLive(string eventName, int intents, Func<int, JsonNode> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        lock (_gate)
        {
            if (_live is not { Session: { } session, Ready: true } live || (session.Intents & intents) != intents)
                return false;
            SendDispatch(live, session, eventName, shape(session.Intents));
            return true;
        }
    }

    /// <summary>Op 7: asks the client to reconnect and resume.</summary>
    public void SendReconnect() => SendToLive(7, null);

    /// <summary>Op 1: asks the client for a heartbeat now.</summary>
    public void RequestHeartbeat() => SendToLive(1, null);

    /// <summary>Op 9. With <paramref name="resumable"/> false the session is discarded at once.</summary>
    public void SendInvalidSession(bool resumable)
    {
        lock (_gate)
        {
            if (_live is null)
                return;
            Enqueue(_live, Frame(9, JsonValue.Create(resumable), null, null), 9, null, null, $"d={resumable}");
            if (!resumable && _live.Session is { } s)
            {
                _sessions.Remove(s.Id);
                _live.Session = null;
                _live.Ready = false;
            }
        }
    }

    /// <summary>Closes the live connection with a close code (4004 etc. invalidate nothing by themselves).</summary>
    public void Close(int code, string reason = "sandbox close")
    {
        lock (_gate)
        {
            if (_live is null)
                return;
            if (code is 4007 or 4009 && _live.Session is { } s)
                _sessions.Remove(s.Id); // Discord: these codes end the session.
            _live.Outgoing.Writer.TryWrite(new Outgoing(null, code, reason, false));
            _live.Ready = false;
            _live = null;
        }
    }

    /// <summary>Drops the TCP connection without a close frame.</summary>
    public void Abort()
    {
        lock (_gate)
        {
            if (_live is null)
                return;
            _live.Outgoing.Writer.TryWrite(new Outgoing(null, null, null, true));
            _live.Ready = false;
            _live = null;
        }
    }

    internal async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        var connection = new Connection(Interlocked.Increment(ref _connectionIds), socket);
        Record(new GatewayLogEntry(_clock.Elapsed, connection.Id, GatewayDirection.Connection, null,
            Detail: $"open {context.Request.Path}{context.Request.QueryString}"));
        var writer = Task.Run(() => WriteLoopAsync(connection));
        lock (_gate)
        {
            if (_live is not null)
            {
                // A new connection replaces the old one, like a client that gave up on a zombie.
                _live.Outgoing.Writer.TryWrite(new Outgoing(null, null, null, true));
                _live.Ready = false;
            }
            _live = connection;
            Enqueue(connection, Frame(10, new JsonObject { ["heartbeat_interval"] = HeartbeatInterval.TotalMilliseconds }, null, null), 10, null, null, null);
        }

        int? clientCloseCode = null;
        try
        {
            var buffer = new byte[64 * 1024];
            while (socket.State == WebSocketState.Open)
            {
                int count = 0;
                WebSocketReceiveResult result;
                do
                {
                    if (count == buffer.Length)
                        throw new InvalidDataException("Gateway frame over 64 KiB.");
                    result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, count, buffer.Length - count), context.RequestAborted).ConfigureAwait(false);
                    count += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    clientCloseCode = (int?)result.CloseStatus;
                    break;
                }
                OnClientFrame(connection, buffer.AsSpan(0, count));
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or InvalidDataException)
        {
        }
        finally
        {
            OnDisconnected(connection, clientCloseCode);
            connection.Outgoing.Writer.TryComplete();
            await writer.ConfigureAwait(false);
        }
    }

    private void OnClientFrame(Connection connection, ReadOnlySpan<byte> bytes)
    {
        using var doc = JsonDocument.Parse(bytes.ToArray());
        var root = doc.RootElement;
        int op = root.GetProperty("op").GetInt32();
        var d = root.TryGetProperty("d", out var dEl) ? dEl : default;
        switch (op)
        {
            case 1:
                Record(new GatewayLogEntry(_clock.Elapsed, connection.Id, GatewayDirection.Received, 1,
                    Sequence: d.ValueKind == JsonValueKind.Number ? d.GetInt64() : null));
                if (!SwallowHeartbeatAcks)
                    lock (_gate)
                        Enqueue(connection, Frame(11, null, null, null), 11, null, null, null);
                break;
            case 2:
                Record(new GatewayLogEntry(_clock.Elapsed, connection.Id, GatewayDirection.Received, 2,
                    Detail: $"intents={d.GetProperty("intents").GetInt32()}"));
                OnIdentify(connection, d.GetProperty("token").GetString(), d.GetProperty("intents").GetInt32());
                break;
            case 6:
                string? sessionId = d.GetProperty("session_id").GetString();
                long? seq = d.TryGetProperty("seq", out var sEl) && sEl.ValueKind == JsonValueKind.Number ? sEl.GetInt64() : null;
                Record(new GatewayLogEntry(_clock.Elapsed, connection.Id, GatewayDirection.Received, 6, Sequence: seq, Detail: $"session={sessionId}"));
                OnResume(connection, d.GetProperty("token").GetString(), sessionId, seq ?? 0);
                break;
            default:
                Record(new GatewayLogEntry(_clock.Elapsed, connection.Id, GatewayDirection.Received, op));
                break;
        }
    }

    private void OnIdentify(Connection connection, string? token, int intents)
    {
        lock (_gate)
        {
            if (token != _options.Token)
            {
                connection.Outgoing.Writer.TryWrite(new Outgoing(null, 4004, "Authentication failed.", false));
                return;
            }
            if (connection.Session is not null)
            {
                connection.Outgoing.Writer.TryWrite(new Outgoing(null, 4005, "Already authenticated.", false));
                return;
            }
            var session = new Session(Guid.NewGuid().ToString("N")) { Intents = intents };
            _sessions[session.Id] = session;
            connection.Session = session;
            var ready = new JsonObject
            {
                ["v"] = 10,
                ["user"] = new JsonObject { ["id"] = _options.ApplicationId.ToString(), ["username"] = "ShawBot", ["bot"] = true },
                ["guilds"] = new JsonArray(new JsonObject { ["id"] = _options.GuildId.ToString(), ["unavailable"] = true }),
                ["session_id"] = session.Id,
                ["resume_gateway_url"] = ResumeUrl,
                ["application"] = new JsonObject { ["id"] = _options.ApplicationId.ToString(), ["flags"] = 0 },
            };
            SendDispatch(connection, session, "READY", ready);
            MakeReady(connection, session);
        }
    }

    private void OnResume(Connection connection, string? token, string? sessionId, long seq)
    {
        lock (_gate)
        {
            if (token != _options.Token)
            {
                connection.Outgoing.Writer.TryWrite(new Outgoing(null, 4004, "Authentication failed.", false));
                return;
            }
            if (sessionId is null || !_sessions.TryGetValue(sessionId, out var session) || seq > session.Sequence)
            {
                Enqueue(connection, Frame(9, JsonValue.Create(false), null, null), 9, null, null, "d=false (resume refused)");
                return;
            }
            connection.Session = session;
            foreach (var (s, text, eventName) in session.Buffer)
                if (s > seq)
                    Enqueue(connection, text, 0, eventName, s, "replay");
            SendDispatch(connection, session, "RESUMED", new JsonObject());
            MakeReady(connection, session);
        }
    }

    private void MakeReady(Connection connection, Session session)
    {
        connection.Ready = true;
        while (_pending.TryDequeue(out var item))
            SendDispatch(connection, session, item.Event, item.Data);
    }

    private void OnDisconnected(Connection connection, int? clientCloseCode)
    {
        Record(new GatewayLogEntry(_clock.Elapsed, connection.Id, GatewayDirection.Connection, null, Detail: "closed by client or network", CloseCode: clientCloseCode));
        lock (_gate)
        {
            // Closing with 1000/1001 ends the session; any other way keeps it resumable.
            if (clientCloseCode is 1000 or 1001 && connection.Session is { } s)
                _sessions.Remove(s.Id);
            if (ReferenceEquals(_live, connection))
                _live = null;
            connection.Ready = false;
        }
    }

    private void SendToLive(int op, JsonNode? d)
    {
        lock (_gate)
        {
            if (_live is not null)
                Enqueue(_live, Frame(op, d, null, null), op, null, null, null);
        }
    }

    // Callers hold _gate: the seq is assigned and the frame queued in one step, so order on the wire = seq order.
    private void SendDispatch(Connection connection, Session session, string eventName, JsonNode data)
    {
        long s = ++session.Sequence;
        string text = Frame(0, data.DeepClone(), s, eventName);
        session.Buffer.Add((s, text, eventName));
        if (session.Buffer.Count > _options.ReplayBufferSize)
            session.Buffer.RemoveAt(0);
        Enqueue(connection, text, 0, eventName, s, null);
    }

    private void Enqueue(Connection connection, string text, int op, string? eventName, long? seq, string? detail) =>
        connection.Outgoing.Writer.TryWrite(new Outgoing(text, null, null, false) { Op = op, EventName = eventName, Sequence = seq, Detail = detail });

    private async Task WriteLoopAsync(Connection connection)
    {
        var socket = connection.Socket;
        try
        {
            await foreach (var item in connection.Outgoing.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                if (item.Abort)
                {
                    Record(new GatewayLogEntry(_clock.Elapsed, connection.Id, GatewayDirection.Connection, null, Detail: "aborted by sandbox"));
                    socket.Abort();
                    return;
                }
                if (item.CloseCode is { } code)
                {
                    Record(new GatewayLogEntry(_clock.Elapsed, connection.Id, GatewayDirection.Connection, null, Detail: "closed by sandbox", CloseCode: code));
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await socket.CloseOutputAsync((WebSocketCloseStatus)code, item.Reason, timeout.Token).ConfigureAwait(false);
                    return;
                }
                // After the client's close frame (CloseReceived) what was already queued still goes out, then the
                // connection ends: a client reading on after its close gets everything sent before the server saw it.
                if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
                    return;
                // Log before sending: the client may react before SendAsync returns.
                Record(new GatewayLogEntry(_clock.Elapsed, connection.Id, GatewayDirection.Sent, item.Op, item.EventName, item.Sequence, item.Detail));
                await socket.SendAsync(Encoding.UTF8.GetBytes(item.Text!), WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static string Frame(int op, JsonNode? d, long? s, string? t) =>
        new JsonObject { ["op"] = op, ["d"] = d, ["s"] = s, ["t"] = t }.ToJsonString();

    private void Record(GatewayLogEntry entry)
    {
        lock (_log)
            _log.Add(entry);
    }

    private sealed class Session(string id)
    {
        public string Id { get; } = id;
        public long Sequence { get; set; }
        public int Intents { get; init; }
        public List<(long Seq, string Text, string Event)> Buffer { get; } = new();
    }

    private sealed class Connection(int id, WebSocket socket)
    {
        public int Id { get; } = id;
        public WebSocket Socket { get; } = socket;
        public Session? Session { get; set; }
        public bool Ready { get; set; }
        public Channel<Outgoing> Outgoing { get; } = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    }

    private sealed record Outgoing(string? Text, int? CloseCode, string? Reason, bool Abort)
    {
        public int Op { get; init; }
        public string? EventName { get; init; }
        public long? Sequence { get; init; }
        public string? Detail { get; init; }
    }
}
