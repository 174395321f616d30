namespace ShawBot.Infrastructure.Tests.Discord;

/// <summary>
/// The Discord tests assert on timings (heartbeat schedule, retry_after, bucket resets) on a
/// shared 2-core box; running them one class at a time keeps one test's load from skewing another's clock.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DiscordTimingCollection
{
    public const string Name = "Discord timing";
}
