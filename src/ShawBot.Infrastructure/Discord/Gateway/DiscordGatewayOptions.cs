namespace ShawBot.Infrastructure.Discord.Gateway;

/// <summary>Settings of <see cref="DiscordGatewayClient"/>; production keeps the defaults, tests shrink the timings.</summary>
public sealed record DiscordGatewayOptions
{
    /// <summary>Bot token for Identify/Resume (secret: never logged).</summary>
    public string Token { get; init; } = "";

    /// <summary>Gateway intents bitfield. Interactions arrive without any intent, so 0.</summary>
    public int Intents { get; init; }

    /// <summary>When set, skips GET /gateway/bot and connects here (query v=10&amp;encoding=json is added).</summary>
    public Uri? GatewayUrl { get; init; }

    /// <summary>Wait before a new Identify after op 9 with d:false; Discord asks for a random 1–5 s.</summary>
    public TimeSpan InvalidSessionMinDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan InvalidSessionMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait after a failed connect; doubles up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Leaving a connection (reconnect, resume, identify afresh), how long the client reads on after its close frame
    /// for what the server sent before it saw it (the server's close or a dropped connection ends this sooner).
    /// </summary>
    public TimeSpan CloseDrainTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long to wait for Hello after the socket opens.</summary>
    public TimeSpan HelloTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Gateway send budget: Discord closes with 4008 beyond 120 events per 60 s.</summary>
    public int SendLimit { get; init; } = 120;

    public TimeSpan SendWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How many recent interaction ids are remembered to drop replays.</summary>
    public int DedupeCapacity { get; init; } = 10_000;

    /// <summary>Seed of the heartbeat jitter and delays; null draws from <see cref="Random.Shared"/>.</summary>
    public int? RandomSeed { get; init; }

    /// <summary>Fixes the first-heartbeat jitter (0..1) instead of drawing it; for tests.</summary>
    public double? FirstHeartbeatJitter { get; init; }

    public string ClientName { get; init; } = "shawbot";

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Token))
            throw new ArgumentException("A bot token is required.", nameof(Token));
        if (SendLimit < 2)
            throw new ArgumentException("SendLimit must be at least 2.", nameof(SendLimit));
        if (InvalidSessionMaxDelay < InvalidSessionMinDelay)
            throw new ArgumentException("InvalidSessionMaxDelay must not be below InvalidSessionMinDelay.", nameof(InvalidSessionMaxDelay));
    }
}
