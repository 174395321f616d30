using System.ComponentModel.DataAnnotations;

namespace ShawBot.Infrastructure.Store;

/// <summary>Which database holds the pipeline state.</summary>
public enum StoreProvider
{
    /// <summary>One file, one host (the default).</summary>
    Sqlite,

    /// <summary>A shared server: several hosts on one database.</summary>
    Postgres,
}

/// <summary>Section "ShawBot:Store".</summary>
public sealed class StoreOptions : IValidatableObject
{
    public const string Section = "ShawBot:Store";

    /// <summary><c>sqlite</c> (default) or <c>postgres</c>.</summary>
    public StoreProvider Provider { get; set; } = StoreProvider.Sqlite;

    /// <summary>SQLite database file; created with its folder when missing (Provider = sqlite).</summary>
    [Required(AllowEmptyStrings = false)]
    public string DatabasePath { get; set; } = "data/shawbot.db";

    /// <summary>Npgsql connection string, e.g. <c>Host=127.0.0.1;Port=5432;Database=shawbot;Username=shawbot;Password=…</c> (Provider = postgres).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// This host's name in claimed_by; empty: the machine name. It must be stable across restarts (a restarted host
    /// resumes its own claims at once instead of waiting for their leases to expire) and distinct per host: two
    /// hosts on one machine must each set their own.
    /// </summary>
    public string? InstanceId { get; set; }

    /// <summary>How long a claim on a comment (drafting, posting) lives without renewal; renewed every third of it.</summary>
    [Range(3, 86_400)]
    public int LeaseSeconds { get; set; } = 120;

    /// <summary><see cref="InstanceId"/>, or the machine name when it is empty.</summary>
    public string ResolveInstanceId() => string.IsNullOrWhiteSpace(InstanceId) ? Environment.MachineName : InstanceId;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider == StoreProvider.Postgres && string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new ValidationResult(
                $"{Section}:{nameof(ConnectionString)} is required when {Section}:{nameof(Provider)} is postgres (e.g. Host=127.0.0.1;Database=shawbot;Username=shawbot;Password=...).",
                [nameof(ConnectionString)]);
        }
    }
}

/// <summary>This host's lease owner name and lease duration, as every store reads them from <see cref="StoreOptions"/>.</summary>
internal sealed record LeaseTerms(string Owner, TimeSpan Duration)
{
    public static LeaseTerms From(StoreOptions options) => new(options.ResolveInstanceId(), TimeSpan.FromSeconds(options.LeaseSeconds));
}
