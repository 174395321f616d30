using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using ShawBot.Infrastructure.Discord.Models;
using ShawBot.Infrastructure.Discord.Rest;

namespace ShawBot.Infrastructure.Discord.Gateway;

public enum GatewayState
{
    Disconnected,
    Connecting,
    Identifying,
    Resuming,
    Ready,
    Stopped,
}

/// <summary>
/// Discord gateway v10 client: keeps one session alive across reconnects (Resume on op 7, op 9
/// d:true, zombied connections and recoverable closes; Identify on op 9 d:false and lost
/// sessions; stop on fatal close codes) and delivers every INTERACTION_CREATE once to
/// <see cref="Interactions"/>.
/// </summary>
public sealed class DiscordGatewayClient : IAsyncDisposable
{
    private readonly DiscordRestClient? _rest;
    private readonly DiscordGatewayOptions _options;
    private readonly ILogger<DiscordGatewayClient> _logger;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly Channel<DiscordInteraction> _interactions = Channel.CreateUnbounded<DiscordInteraction>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly Channel<GatewayMessageEvent> _messages = Channel.CreateUnbounded<GatewayMessageEvent>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly InteractionDeduplicator _dedupe;
    private readonly Lock _readyLock = new();
    private TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _stop;
    private Task? _run;
    private volatile GatewayConnection? _current;
    private volatile bool _stopping;

    // Session state: survives reconnects, cleared when Discord says the session is gone.
    private Uri? _gatewayUrl;
    private string? _sessionId;
    private Uri? _resumeUrl;
    private long _sequence = -1; // -1 = none yet (Interlocked: read by the heartbeat loop)
    private volatile GatewayState _state = GatewayState.Disconnected;

    public DiscordGatewayClient(DiscordRestClient? rest, DiscordGatewayOptions options, ILogger<DiscordGatewayClient> logger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (rest is null && options.GatewayUrl is null)
            throw new ArgumentException("Either a REST client (for GET /gateway/bot) or GatewayUrl is required.", nameof(rest));
        _rest = rest;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _random = options.RandomSeed is { } seed ? new Random(seed) : Random.Shared;
        _dedupe = new InteractionDeduplicator(options.DedupeCapacity);
        _gatewayUrl = options.GatewayUrl;
    }

    /// <summary>Each INTERACTION_CREATE, once, in gateway order. Completes when the client stops for good.</summary>
    public ChannelReader<DiscordInteraction> Interactions => _interactions.Reader;

    /// <summary>
    /// With the GUILD_MESSAGES intent: every MESSAGE_CREATE, and a <see cref="GatewayMessageKind.SessionStarted"/>
    /// marker at each READY/RESUMED, in gateway order. Completes when the client stops for good.
    /// </summary>
    public ChannelReader<GatewayMessageEvent> Messages => _messages.Reader;

    /// <summary>The bot's own user id, from READY.</summary>
    public ulong? UserId { get; private set; }

    public GatewayState State => _state;

    public string? SessionId => _sessionId;

    public long? Sequence => Interlocked.Read(ref _sequence) is var s && s >= 0 ? s : null;

    /// <summary>The close code that made the client give up (4004, 4010–4014), else null.</summary>
    public int? FatalCloseCode { get; private set; }

    /// <summary>Completes when the run loop ends (StopAsync or a fatal close code).</summary>
    public Task Completion => _run ?? Task.CompletedTask;

    public Task StartAsync(CancellationToken ct = default)
    {
        if (_run is not null)
            throw new InvalidOperationException("The gateway client was already started.");
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _run = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Waits for the next READY or RESUMED (immediately when the session is ready now).</summary>
    public Task WaitUntilReadyAsync(CancellationToken ct = default)
    {
        lock (_readyLock)
            return _ready.Task.WaitAsync(ct);
    }

    /// <summary>Closes with 1000 (ending the session) and waits for the run loop.</summary>
    public async Task StopAsync()
    {
        if (_stop is null || _run is null)
            return;
        _stopping = true;
        if (_current is { } connection)
            await connection.CloseAsync(1000, "shutting down").ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _run.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Op 3: sets the bot's custom status (e.g. "3 drafts awaiting review"). Goes through the send
    /// budget like every non-heartbeat event, so a burst waits rather than earning a 4008 close.
    /// </summary>
    public Task UpdatePresenceAsync(string? statusText, CancellationToken ct = default)
    {
        if (statusText is { Length: > 128 })
            throw new ArgumentException("statusText is over 128 characters.", nameof(statusText));
        var connection = _current;
        if (connection is null || _state != GatewayState.Ready)
            throw new InvalidOperationException("The gateway is not connected.");
        var activities = statusText is null ? Array.Empty<PresenceActivity>() : [new PresenceActivity("Custom Status", 4, statusText)];
        return connection.SendAsync(GatewayOpCode.PresenceUpdate, new PresencePayload(null, activities, "online", false), priority: false, ct);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop?.Dispose();
    }

    private enum Next
    {
        Resume,
        Identify,
        Stop,
    }

    private readonly record struct Outcome(Next Next, TimeSpan Delay, bool Failed, int? CloseCode = null);

    private async Task RunAsync(CancellationToken stop)
    {
        int failures = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                Outcome outcome;
                try
                {
                    outcome = await RunConnectionAsync(stop).ConfigureAwait(false);
                }
                catch (Exception) when (stop.IsCancellationRequested || _stopping)
                {
                    break; // StopAsync closed the socket under the loops; whatever they threw is expected.
                }
                catch (Exception ex)
                {
                    // Any failure of one connection (socket, JSON, REST, a disposed socket under a
                    // heartbeat) ends that connection only: log, back off, reconnect.
                    _logger.LogWarning(ex, "Gateway connection failed: {Reason}", ex.Message);
                    outcome = new Outcome(Next.Resume, TimeSpan.Zero, Failed: true);
                }

                SetNotReady(outcome.Next == Next.Stop ? GatewayState.Stopped : GatewayState.Disconnected);
                if (outcome.Next == Next.Stop)
                {
                    FatalCloseCode = outcome.CloseCode;
                    _logger.LogCritical("Discord gateway closed with {CloseCode} ({Reason}); not reconnecting. Fix the configuration and restart.",
                        outcome.CloseCode, GatewayCloseCodes.Describe(outcome.CloseCode));
                    break;
                }
                if (outcome.Next == Next.Identify)
                    ClearSession();

                failures = outcome.Failed ? failures + 1 : 0;
                var delay = outcome.Delay;
                if (failures > 0)
                {
                    // Exponential backoff on consecutive failures; the gateway URL may have moved.
                    var backoff = _options.ReconnectMinDelay * Math.Pow(2, Math.Min(failures - 1, 10));
                    delay += backoff > _options.ReconnectMaxDelay ? _options.ReconnectMaxDelay : backoff;
                    if (failures >= 3 && _options.GatewayUrl is null)
                        _gatewayUrl = null;
                }
                _logger.LogDebug("Reconnecting in {DelayMs} ms ({Next}, {Failures} failures in a row)", (int)delay.TotalMilliseconds, outcome.Next, failures);
                if (delay > TimeSpan.Zero)
                    await Task.Delay(delay, _time, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            SetNotReady(GatewayState.Stopped);
            _interactions.Writer.TryComplete();
            _messages.Writer.TryComplete();
            _logger.LogInformation("Discord gateway client stopped");
        }
    }

    private async Task<Outcome> RunConnectionAsync(CancellationToken stop)
    {
        bool resuming = _sessionId is not null;
        Uri url = resuming && _resumeUrl is not null ? _resumeUrl : _gatewayUrl ??= await FetchGatewayUrlAsync(stop).ConfigureAwait(false);
        _state = GatewayState.Connecting;
        await using var connection = new GatewayConnection(_options, _logger, _time);
        using var connectionCts = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var ct = connectionCts.Token;
        await connection.ConnectAsync(WithQuery(url), ct).ConfigureAwait(false);
        _current = connection;
        Task<bool>? heartbeat = null;
        Task<Outcome>? receive = null;
        Task? handshakeTask = null;
        Outcome? outcome = null;
        bool drained = false;
        try
        {
            var hello = await ReceiveHelloAsync(connection, ct).ConfigureAwait(false);
            if (hello is null)
                return CloseOutcome(connection);
            var interval = TimeSpan.FromMilliseconds(hello.Value.Data.GetProperty("heartbeat_interval").GetDouble());
            _logger.LogDebug("Gateway hello: heartbeat every {IntervalMs} ms", (int)interval.TotalMilliseconds);
            connection.ConfigureSendBudget(interval);
            heartbeat = connection.HeartbeatLoopAsync(interval, _options.FirstHeartbeatJitter ?? _random.NextDouble(), () => Sequence, ct);

            // Read from the start: ACKs and op 1 must be seen even while Identify waits for a send slot.
            receive = ReceiveLoopAsync(connection, ct);
            handshakeTask = SendHandshakeAsync(connection, resuming, ct);
            var first = await Task.WhenAny(receive, heartbeat).ConfigureAwait(false);
            if (first == heartbeat)
            {
                // Heartbeat loop only returns on a missing ACK (or throws on a failed send).
                _ = await heartbeat.ConfigureAwait(false);
                outcome = new Outcome(Next.Resume, TimeSpan.Zero, Failed: false);
                // A zombie may still be delivering: close, and let the receive loop read on until the server's close
                // (or the drain timeout), as every other way of leaving a connection does (see LeaveAsync).
                _current = null;
                await connection.CloseOutputAsync(GatewayConnection.ResumeCloseCode, "reconnecting").ConfigureAwait(false);
                try { await receive.WaitAsync(_options.CloseDrainTimeout, _time, stop).ConfigureAwait(false); } catch (Exception) { /* dropped, timed out or stopping */ }
                drained = true;
                return outcome.Value;
            }
            outcome = await receive.ConfigureAwait(false);
            return outcome.Value;
        }
        finally
        {
            _current = null;
            if (!connectionCts.IsCancellationRequested)
                await connectionCts.CancelAsync().ConfigureAwait(false);
            if (heartbeat is not null)
            {
                try { await heartbeat.ConfigureAwait(false); } catch (Exception) { /* cancelled with the connection */ }
            }
            if (handshakeTask is not null)
            {
                try { await handshakeTask.ConfigureAwait(false); } catch (Exception) { /* a failed send also ends the receive loop */ }
            }
            if (receive is not null)
            {
                try { await receive.ConfigureAwait(false); } catch (Exception) { /* cancelled with the connection */ }
            }
            if (!drained)
                await LeaveAsync(connection, outcome, stop).ConfigureAwait(false);
            connection.Abort();
        }
    }

    /// <summary>
    /// Closes a connection we are leaving (1000 when the session is over: stopping, or identifying afresh; else
    /// 4900, which keeps it resumable) and reads what the server sent before it saw our close. Events in that gap
    /// would otherwise depend on a Resume replay, and a session invalidated meanwhile (op 9 d:false) never
    /// replays: they would be lost. Each frame read goes through the same sequence and dedupe checks.
    /// </summary>
    private async Task LeaveAsync(GatewayConnection connection, Outcome? outcome, CancellationToken stop)
    {
        bool stopping = stop.IsCancellationRequested;
        int code = stopping || outcome is { Next: Next.Identify } ? 1000 : GatewayConnection.ResumeCloseCode;
        await connection.CloseOutputAsync(code, stopping ? "shutting down" : "reconnecting").ConfigureAwait(false);
        if (!stopping && outcome is not null)
        {
            await connection.DrainAsync(frame =>
            {
                if (frame.Op == GatewayOpCode.Dispatch)
                    OnDispatch(frame, leaving: true);
            }, _options.CloseDrainTimeout, stop).ConfigureAwait(false);
        }
    }

    private async Task SendHandshakeAsync(GatewayConnection connection, bool resuming, CancellationToken ct)
    {
        if (resuming)
        {
            _state = GatewayState.Resuming;
            _logger.LogInformation("Resuming gateway session {SessionId} at seq {Sequence}", _sessionId, Sequence);
            await connection.SendAsync(GatewayOpCode.Resume, new ResumePayload(_options.Token, _sessionId!, Sequence), priority: false, ct).ConfigureAwait(false);
        }
        else
        {
            _state = GatewayState.Identifying;
            Interlocked.Exchange(ref _sequence, -1);
            _logger.LogInformation("Identifying to the gateway with intents {Intents}", _options.Intents);
            await connection.SendAsync(GatewayOpCode.Identify, new IdentifyPayload(_options.Token, _options.Intents,
                new IdentifyProperties(Environment.OSVersion.Platform.ToString(), _options.ClientName, _options.ClientName)), priority: false, ct).ConfigureAwait(false);
        }
    }

    private async Task<GatewayFrame?> ReceiveHelloAsync(GatewayConnection connection, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.HelloTimeout);
        GatewayFrame? frame;
        try
        {
            frame = await connection.ReceiveAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"No Hello within {_options.HelloTimeout.TotalSeconds:0.#} s.");
        }
        if (frame is { Op: not GatewayOpCode.Hello } f)
            throw new JsonException($"Expected Hello (op 10) first, got op {(int)f.Op}.");
        return frame;
    }

    /// <summary>Reads frames until the connection must end; returns what to do next.</summary>
    private async Task<Outcome> ReceiveLoopAsync(GatewayConnection connection, CancellationToken ct)
    {
        while (true)
        {
            GatewayFrame? received;
            try
            {
                received = await connection.ReceiveAsync(ct).ConfigureAwait(false);
            }
            catch (WebSocketException ex) when (!ct.IsCancellationRequested)
            {
                _logger.LogWarning("Gateway connection lost ({Reason}); resuming", ex.Message);
                return new Outcome(Next.Resume, TimeSpan.Zero, Failed: true);
            }
            if (received is not { } frame)
                return CloseOutcome(connection);

            switch (frame.Op)
            {
                case GatewayOpCode.Dispatch:
                    OnDispatch(frame, leaving: false);
                    break;
                case GatewayOpCode.Heartbeat:
                    connection.RequestHeartbeat();
                    break;
                case GatewayOpCode.HeartbeatAck:
                    connection.OnHeartbeatAck();
                    break;
                case GatewayOpCode.Reconnect:
                    _logger.LogInformation("Gateway asked us to reconnect (op 7); resuming");
                    return new Outcome(Next.Resume, TimeSpan.Zero, Failed: false);
                case GatewayOpCode.InvalidSession:
                    bool resumable = frame.Data.ValueKind == JsonValueKind.True;
                    if (resumable && _sessionId is not null)
                    {
                        _logger.LogInformation("Gateway invalidated the connection (op 9, resumable); resuming");
                        return new Outcome(Next.Resume, TimeSpan.Zero, Failed: false);
                    }
                    var wait = _options.InvalidSessionMinDelay + (_options.InvalidSessionMaxDelay - _options.InvalidSessionMinDelay) * _random.NextDouble();
                    _logger.LogWarning("Gateway invalidated session {SessionId} (op 9); identifying again in {DelayMs} ms", _sessionId, (int)wait.TotalMilliseconds);
                    return new Outcome(Next.Identify, wait, Failed: false);
                default:
                    _logger.LogDebug("Ignoring gateway op {Op}", (int)frame.Op);
                    break;
            }
        }
    }

    private Outcome CloseOutcome(GatewayConnection connection)
    {
        int? code = connection.CloseStatus;
        var action = GatewayCloseCodes.Classify(code);
        _logger.LogWarning("Gateway closed the connection with {CloseCode} ({Reason}: {Description}); next: {Action}",
            code, GatewayCloseCodes.Describe(code), connection.CloseDescription, action);
        return action switch
        {
            CloseAction.Stop => new Outcome(Next.Stop, TimeSpan.Zero, Failed: false, code),
            CloseAction.Identify => new Outcome(Next.Identify, TimeSpan.Zero, Failed: false, code),
            _ => new Outcome(Next.Resume, TimeSpan.Zero, Failed: code is null or < 4000, code),
        };
    }

    /// <param name="leaving">Read after our close (<see cref="LeaveAsync"/>): delivered, but READY/RESUMED no longer make the client ready.</param>
    private void OnDispatch(GatewayFrame frame, bool leaving)
    {
        if (frame.Sequence is { } s)
        {
            long last = Interlocked.Read(ref _sequence);
            if (s <= last)
            {
                // A replay of something this session already delivered (resume raced a dispatch).
                _logger.LogDebug("Skipping replayed dispatch {Event} seq {Sequence}", frame.EventName, s);
                return;
            }
            Interlocked.Exchange(ref _sequence, s);
        }

        switch (frame.EventName)
        {
            case "READY":
                _sessionId = frame.Data.GetProperty("session_id").GetString();
                _resumeUrl = frame.Data.TryGetProperty("resume_gateway_url", out var r) && r.GetString() is { Length: > 0 } ru ? new Uri(ru) : null;
                if (frame.Data.TryGetProperty("user", out var user) && user.TryGetProperty("id", out var userId) && ulong.TryParse(userId.GetString(), out var uid))
                    UserId = uid;
                _logger.LogInformation("Gateway ready: session {SessionId}", _sessionId);
                PublishMessageEvent(new GatewayMessageEvent(GatewayMessageKind.SessionStarted, null));
                if (!leaving)
                    SetReady();
                break;
            case "RESUMED":
                _logger.LogInformation("Gateway resumed session {SessionId} at seq {Sequence}", _sessionId, Sequence);
                PublishMessageEvent(new GatewayMessageEvent(GatewayMessageKind.SessionStarted, null, Resumed: true));
                if (!leaving)
                    SetReady();
                break;
            case "MESSAGE_CREATE":
                try
                {
                    if (frame.Data.Deserialize<DiscordMessage>(DiscordJson.Options) is { } message)
                        PublishMessageEvent(new GatewayMessageEvent(GatewayMessageKind.MessageCreated, message));
                }
                catch (JsonException ex)
                {
                    // As for interactions: skip it (the history read after the next session start finds it).
                    _logger.LogError(ex, "Dropping MESSAGE_CREATE seq {Sequence} that could not be read", frame.Sequence);
                }
                break;
            case "INTERACTION_CREATE":
                DiscordInteraction? interaction;
                try
                {
                    interaction = frame.Data.Deserialize<DiscordInteraction>(DiscordJson.Options);
                }
                catch (JsonException ex)
                {
                    // Skip it: throwing would reconnect, and Resume would replay the same payload forever.
                    _logger.LogError(ex, "Dropping INTERACTION_CREATE seq {Sequence} that could not be read", frame.Sequence);
                    return;
                }
                if (interaction is null)
                    return;
                if (!_dedupe.TryAdd(interaction.Id))
                {
                    _logger.LogDebug("Dropping duplicate interaction {InteractionId}", interaction.Id);
                    return;
                }
                _interactions.Writer.TryWrite(interaction);
                break;
        }
    }

    /// <summary>Only when the intents ask for messages: without a reader the queue would only grow.</summary>
    private void PublishMessageEvent(GatewayMessageEvent item)
    {
        if ((_options.Intents & GatewayIntents.GuildMessages) != 0)
            _messages.Writer.TryWrite(item);
    }

    private void SetReady()
    {
        _state = GatewayState.Ready;
        lock (_readyLock)
            _ready.TrySetResult();
    }

    private void SetNotReady(GatewayState state)
    {
        _state = state;
        lock (_readyLock)
        {
            if (_ready.Task.IsCompleted)
                _ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private void ClearSession()
    {
        _sessionId = null;
        _resumeUrl = null;
        Interlocked.Exchange(ref _sequence, -1);
    }

    private async Task<Uri> FetchGatewayUrlAsync(CancellationToken ct)
    {
        var info = await _rest!.GetGatewayBotAsync(ct).ConfigureAwait(false);
        _logger.LogDebug("GET /gateway/bot: {Url}, {Remaining} session starts left", info.Url, info.SessionStartLimit?.Remaining);
        return new Uri(info.Url);
    }

    private static Uri WithQuery(Uri url) => new UriBuilder(url) { Query = "v=10&encoding=json" }.Uri;

    private sealed record IdentifyProperties(string Os, string Browser, string Device);

    private sealed record IdentifyPayload(string Token, int Intents, IdentifyProperties Properties);

    private sealed record ResumePayload(string Token, string SessionId, long? Seq);

    private sealed record PresenceActivity(string Name, int Type, string State);

    [System.Text.Json.Serialization.JsonConverter(typeof(PresenceConverter))]
    private sealed record PresencePayload(long? Since, PresenceActivity[] Activities, string Status, bool Afk);

    /// <summary>Discord requires "since": null to be present, which the shared options would omit.</summary>
    private sealed class PresenceConverter : System.Text.Json.Serialization.JsonConverter<PresencePayload>
    {
        public override PresencePayload Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, PresencePayload value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            if (value.Since is { } since)
                writer.WriteNumber("since", since);
            else
                writer.WriteNull("since");
            writer.WritePropertyName("activities");
            JsonSerializer.Serialize(writer, value.Activities, options);
            writer.WriteString("status", value.Status);
            writer.WriteBoolean("afk", value.Afk);
            writer.WriteEndObject();
        }
    }
}
