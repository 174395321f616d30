namespace ShawBot.Infrastructure.Discord.Rest;

/// <summary>Settings of <see cref="DiscordRestClient"/>; tests shorten the timings and point the base URL at the sandbox.</summary>
public sealed record DiscordRestOptions
{
    /// <summary>Bot token (secret: never logged).</summary>
    public string Token { get; init; } = "";

    /// <summary>API root including the version, e.g. https://discord.com/api/v10.</summary>
    public Uri ApiBaseUrl { get; init; } = new("https://discord.com/api/v10/");

    /// <summary>The "url" part of <c>User-Agent: DiscordBot (url, version)</c>.</summary>
    public string UserAgentUrl { get; init; } = "https://github.com/shawbot/shawbot";

    public string UserAgentVersion { get; init; } = "1.0";

    /// <summary>Attempts after a 5xx or a transport failure before giving up.</summary>
    public int MaxServerErrorRetries { get; init; } = 3;

    /// <summary>First backoff after a 5xx; doubles each attempt with ±50 % jitter.</summary>
    public TimeSpan ServerErrorBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How many 429s in a row one request tolerates before it throws.</summary>
    public int MaxRateLimitRetries { get; init; } = 5;

    /// <summary>Safety margin added to every rate-limit wait (clock granularity, network latency).</summary>
    public TimeSpan RateLimitMargin { get; init; } = TimeSpan.FromMilliseconds(50);
}
