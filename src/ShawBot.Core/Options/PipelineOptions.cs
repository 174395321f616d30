using System.ComponentModel.DataAnnotations;

namespace ShawBot.Core.Options;

/// <summary>The creator's channel (section "ShawBot:Channel").</summary>
public sealed class ChannelOptions
{
    public const string Section = "ShawBot:Channel";

    /// <summary>The channel id (UC...): its own comments are skipped, its replies mark threads as answered.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ChannelId { get; set; } = "";
}

/// <summary>Section "ShawBot:Poller".</summary>
public sealed class PollerOptions
{
    public const string Section = "ShawBot:Poller";

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>YouTube Data API units the service may spend per Pacific day (the API's default is 10,000).</summary>
    [Range(1, 100_000_000)]
    public int DailyQuotaBudget { get; set; } = 10_000;

    /// <summary>Upper bound on pages per poll, so a first sweep of a big channel cannot spend the day's quota.</summary>
    [Range(1, 10_000)]
    public int MaxPagesPerPoll { get; set; } = 50;
}

/// <summary>Section "ShawBot:Drafter".</summary>
public sealed class DrafterOptions
{
    public const string Section = "ShawBot:Drafter";

    /// <summary>The sign-off every reply ends with unless configured otherwise (the one default: drafter, engine, CLI).</summary>
    public const string DefaultSignOff = "–ShawGPT";

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Text after the first occurrence of this sign-off is cut; empty disables cutting.</summary>
    public string SignOff { get; set; } = DefaultSignOff;

    /// <summary>YouTube's limit on a comment's text.</summary>
    [Range(1, 10_000)]
    public int MaxReplyLength { get; set; } = 10_000;

    /// <summary>Comment text beyond this is cut before it reaches the writer.</summary>
    [Range(1, 100_000)]
    public int MaxCommentLength { get; set; } = 10_000;

    /// <summary>Writer failures on one comment before it is skipped.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 3;

    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 16;
}

/// <summary>Section "ShawBot:Publisher".</summary>
public sealed class PublisherOptions
{
    public const string Section = "ShawBot:Publisher";

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Attempts (transient failures or unknown outcomes) before a comment is PostFailed.</summary>
    [Range(1, 1000)]
    public int MaxAttempts { get; set; } = 8;

    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 16;
}

/// <summary>Section "ShawBot:Loops": how the background loops back off after a failed iteration.</summary>
public sealed class LoopBackoffOptions
{
    public const string Section = "ShawBot:Loops";

    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);
}
