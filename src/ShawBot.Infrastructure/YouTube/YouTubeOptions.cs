using System.ComponentModel.DataAnnotations;

namespace ShawBot.Infrastructure.YouTube;

/// <summary>Section "ShawBot:YouTube".</summary>
public sealed class YouTubeOptions : IValidatableObject
{
    public const string Section = "ShawBot:YouTube";

    public const string OAuth = "oauth";
    public const string NoAuth = "none";

    /// <summary>
    /// oauth: calls carry the channel owner's token (ClientSecretsPath and the refresh token stored by
    /// `shawbot auth youtube` are required); none: calls carry no credential, allowed only when BaseUri is a
    /// loopback address (the sandbox or a stand-in).
    /// </summary>
    [RegularExpression("^(oauth|none)$", ErrorMessage = "ShawBot:YouTube:Auth must be oauth or none")]
    public string Auth { get; set; } = OAuth;

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

    /// <summary>True when <paramref name="baseUri"/> is an absolute http(s) address on a loopback host.</summary>
    public static bool IsLoopback(string? baseUri) =>
        Uri.TryCreate(baseUri, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.IsLoopback;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Auth == NoAuth && !IsLoopback(BaseUri))
        {
            yield return new ValidationResult(
                $"ShawBot:YouTube:Auth=none is allowed only for a loopback ShawBot:YouTube:BaseUri (got '{BaseUri ?? "the real API"}')",
                [nameof(Auth)]);
        }

        if (Auth == OAuth && string.IsNullOrWhiteSpace(ClientSecretsPath))
        {
            yield return new ValidationResult(
                "ShawBot:YouTube:Auth=oauth needs ShawBot:YouTube:ClientSecretsPath (the OAuth client JSON); use Auth=none for a loopback sandbox",
                [nameof(ClientSecretsPath)]);
        }
    }
}
