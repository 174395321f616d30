namespace ShawBot.Infrastructure.Adapters;

/// <summary>One adapter version as the page lists it (GET /api/adapters).</summary>
/// <param name="Version">Folder name, e.g. "v0003".</param>
/// <param name="EvalLoss">Held-out loss from metadata.json; null when the version has none (imported without metadata).</param>
/// <param name="Metadata">metadata.json's scalar fields (numbers, strings, booleans) as text, camelCase as written.</param>
public sealed record AdapterVersionInfo(
    string Version,
    bool IsActive,
    bool HasWeights,
    bool HasLossCurve,
    double? EvalLoss,
    DateTimeOffset? CreatedAt,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>The registry as the page shows it: the live version and every version, newest first.</summary>
public sealed record AdapterListing(string? Active, IReadOnlyList<AdapterVersionInfo> Versions);
