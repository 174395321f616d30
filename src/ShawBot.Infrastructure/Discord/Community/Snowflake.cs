namespace ShawBot.Infrastructure.Discord.Community;

/// <summary>Discord ids carry their creation time: id = (milliseconds since 2015-01-01 UTC) · 2²² + worker/sequence bits.</summary>
public static class Snowflake
{
    private static readonly DateTimeOffset Epoch = new(2015, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The smallest id created at <paramref name="time"/> (an "after" bound just before it).</summary>
    public static ulong At(DateTimeOffset time) =>
        time <= Epoch ? 0 : (ulong)(time - Epoch).TotalMilliseconds << 22;

    public static DateTimeOffset TimeOf(ulong id) => Epoch.AddMilliseconds(id >> 22);
}
