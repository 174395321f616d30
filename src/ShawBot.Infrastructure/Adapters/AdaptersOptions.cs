using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ShawBot.Infrastructure.Adapters;

/// <summary>Section "ShawBot:Adapters": where the adapter registry lives (vNNNN/ versions and the "active" pointer).</summary>
public sealed class AdaptersOptions : IValidatableObject
{
    public const string Section = "ShawBot:Adapters";

    /// <summary>Keys that named the folder before this section existed; still read when <see cref="Path"/> is not set.</summary>
    public static readonly string[] DeprecatedKeys = ["ShawBot:Retrain:AdaptersPath", "ShawBot:Web:AdaptersPath"];

    /// <summary>The registry folder, read by the engine, the retrain job, the web page and `shawbot adapters`.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Path { get; set; } = "adapters";

    /// <summary>How often the service checks the "active" pointer for changes made by the CLI.</summary>
    public TimeSpan PointerPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How much memory the per-source adapters (ShawBot:Channels:N:AdapterPath) may hold resident beside the
    /// base model; beyond it the least recently used is unloaded (and read again when its source drafts).
    /// The global live adapter is not counted.
    /// </summary>
    public int MemoryBudgetMb { get; set; } = 512;

    /// <summary>
    /// Whether this instance shares each voice's live adapter through the store (<see cref="LivePointerFollower"/>):
    /// publishes its promotions and swaps to those of the other instances. Unset: on when ShawBot:Store:Provider is
    /// postgres (several instances), off for SQLite (one).
    /// </summary>
    public bool? FollowStorePointer { get; set; }

    /// <summary>How often the store's live-adapter pointers are read (and local promotions published).</summary>
    public TimeSpan StorePointerPollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The deprecated key the folder was taken from, for a warning on start; null when <see cref="Path"/> was set.</summary>
    public string? DeprecatedKeyUsed { get; private set; }

    private string? _conflict;

    /// <summary>
    /// Takes the folder from a deprecated key when "ShawBot:Adapters:Path" is absent. Two deprecated
    /// keys naming different folders are an error (which one the page and the engine would follow is a guess).
    /// </summary>
    public void ApplyDeprecatedKeys(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (!string.IsNullOrWhiteSpace(configuration[Section + ":" + nameof(Path)])) return;
        var set = DeprecatedKeys.Where(k => !string.IsNullOrWhiteSpace(configuration[k])).ToList();
        if (set.Count == 0) return;
        var folders = set.Select(k => System.IO.Path.GetFullPath(configuration[k]!)).Distinct().ToList();
        if (folders.Count > 1)
            _conflict = $"{string.Join(" and ", set.Select(k => $"{k} '{configuration[k]}'"))} name different folders: set {Section}:{nameof(Path)} once instead";
        Path = configuration[set[0]]!;
        DeprecatedKeyUsed = set[0];
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (_conflict != null) yield return new ValidationResult(_conflict, [nameof(Path)]);
        if (PointerPollInterval <= TimeSpan.Zero)
            yield return new ValidationResult($"{Section}:PointerPollInterval must be positive", [nameof(PointerPollInterval)]);
        if (StorePointerPollInterval <= TimeSpan.Zero)
            yield return new ValidationResult($"{Section}:StorePointerPollInterval must be positive", [nameof(StorePointerPollInterval)]);
        if (MemoryBudgetMb <= 0)
            yield return new ValidationResult($"{Section}:MemoryBudgetMb must be positive", [nameof(MemoryBudgetMb)]);
    }
}
