namespace ShawBot.Sandbox.Discord;

/// <summary>Identity and timings of the Discord stand-in.</summary>
public sealed record DiscordSandboxOptions
{
    /// <summary>The bot token the sandbox accepts (REST Authorization and Identify).</summary>
    public string Token { get; init; } = "sandbox-bot-token";

    public ulong ApplicationId { get; init; } = 900_000_000_000_000_001;

    public ulong GuildId { get; init; } = 900_000_000_000_000_002;

    /// <summary>heartbeat_interval sent in Hello (Discord sends about 41.25 s).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(41_250);

    /// <summary>Dispatches kept per session for replay on Resume.</summary>
    public int ReplayBufferSize { get; init; } = 10_000;

    /// <summary>Budget of every REST bucket unless a test configures one: requests per window.</summary>
    public int DefaultBucketLimit { get; init; } = 50;

    public TimeSpan DefaultBucketReset { get; init; } = TimeSpan.FromSeconds(1);
}
