using System.ComponentModel.DataAnnotations;

namespace ShawBot.Infrastructure.YouTube;

/// <summary>Section "ShawBot:YouTube".</summary>
public sealed class YouTubeOptions
{
    public const string Section = "ShawBot:YouTube";

    /// <summary>Root of the API; null for the real one, the sandbox's BaseUri otherwise.</summary>
    public string? BaseUri { get; set; }

    [Required(AllowEmptyStrings = false)]
    public string ApplicationName { get; set; } = "ShawBot";

    /// <summary>OAuth client secrets JSON downloaded from the Google Cloud console; null to call without credentials (sandbox).</summary>
    public string? ClientSecretsPath { get; set; }

    /// <summary>Folder of the refresh-token file written by `shawbot auth youtube`.</summary>
    public string TokenDirectory { get; set; } = "secrets";

    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries of a list call after 5xx, 429 or a network error, with jittered exponential backoff.</summary>
    [Range(0, 20)]
    public int MaxRetries { get; set; } = 4;

    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>commentThreads.list page size (the API allows 1–100).</summary>
    [Range(1, 100)]
    public int PageSize { get; set; } = 100;
}
