using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace ShawBot.Infrastructure.Web;

/// <summary>One adapter version as the page lists it.</summary>
/// <param name="Version">Folder name, e.g. "v0003".</param>
/// <param name="EvalLoss">Held-out loss from metadata.json; null when absent.</param>
/// <param name="Metadata">metadata.json's top-level scalars (numbers, strings, booleans) as text.</param>
public sealed record AdapterVersionInfo(
    string Version,
    bool IsActive,
    bool HasWeights,
    bool HasLossCurve,
    double? EvalLoss,
    DateTimeOffset? CreatedAt,
    IReadOnlyDictionary<string, string> Metadata);

public sealed record AdapterListing(string? Active, IReadOnlyList<AdapterVersionInfo> Versions);

/// <summary>
/// Reads the adapter registry folder that the retrain job writes: <c>vNNNN/{adapter_config.json,
/// adapter_model.safetensors, metadata.json, loss-curve.svg}</c> and <c>active</c> (a text file naming the
/// live version). Tolerant: a missing folder is an empty list, a bad metadata.json is no metadata.
/// </summary>
public sealed partial class AdapterRegistryReader(IOptions<WebOptions> options)
{
    public const string LossCurveFile = "loss-curve.svg";

    private static readonly string[] EvalLossKeys = ["eval_loss", "evalLoss", "EvalLoss", "best_eval_loss", "bestEvalLoss", "validation_loss", "val_loss"];
    private static readonly string[] CreatedKeys = ["created_at", "createdAt", "CreatedAt", "trained_at", "trainedAt", "finished_at", "finishedAt"];

    public string Root => Path.GetFullPath(options.Value.AdaptersPath);

    /// <summary>Versions newest first.</summary>
    public AdapterListing List()
    {
        var root = Root;
        if (!Directory.Exists(root))
        {
            return new AdapterListing(null, []);
        }

        var active = ReadActive(root);
        var versions = new List<AdapterVersionInfo>();
        foreach (var dir in Directory.EnumerateDirectories(root))
        {
            var name = Path.GetFileName(dir);
            if (!IsVersionName(name))
            {
                continue;
            }

            var metadata = ReadMetadata(Path.Combine(dir, "metadata.json"));
            versions.Add(new AdapterVersionInfo(
                name,
                string.Equals(name, active, StringComparison.Ordinal),
                File.Exists(Path.Combine(dir, "adapter_model.safetensors")),
                File.Exists(Path.Combine(dir, LossCurveFile)),
                FirstDouble(metadata, EvalLossKeys),
                FirstDate(metadata, CreatedKeys),
                metadata));
        }

        versions.Sort((a, b) => VersionNumber(b.Version).CompareTo(VersionNumber(a.Version)));
        return new AdapterListing(active, versions);
    }

    /// <summary>Path of a version's loss plot, or null when the name is not a version or there is no plot.</summary>
    public string? LossCurvePath(string version)
    {
        if (!IsVersionName(version))
        {
            return null; // Also keeps "../" and friends out of the path.
        }

        var path = Path.Combine(Root, version, LossCurveFile);
        return File.Exists(path) ? path : null;
    }

    public static bool IsVersionName(string name) => VersionPattern().IsMatch(name);

    private static long VersionNumber(string version) =>
        long.TryParse(version.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;

    private static string? ReadActive(string root)
    {
        try
        {
            var path = Path.Combine(root, "active");
            if (!File.Exists(path))
            {
                return null;
            }

            var text = File.ReadAllText(path).Trim();
            // The pointer may name the folder or a path ending in it.
            var name = Path.GetFileName(text.TrimEnd('/', '\\'));
            return name.Length > 0 ? name : null;
        }
        catch (IOException)
        {
            return null; // Being replaced right now; the next poll reads it.
        }
    }

    private static Dictionary<string, string> ReadMetadata(string path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            if (!File.Exists(path))
            {
                return result;
            }

            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return result;
            }

            foreach (var p in doc.RootElement.EnumerateObject())
            {
                switch (p.Value.ValueKind)
                {
                    case JsonValueKind.String:
                        result[p.Name] = p.Value.GetString()!;
                        break;
                    case JsonValueKind.Number:
                    case JsonValueKind.True:
                    case JsonValueKind.False:
                        result[p.Name] = p.Value.GetRawText();
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            // A half-written or foreign file: list the version without metadata.
        }

        return result;
    }

    private static double? FirstDouble(IReadOnlyDictionary<string, string> metadata, string[] keys)
    {
        foreach (var key in keys)
        {
            if (metadata.TryGetValue(key, out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            {
                return d;
            }
        }

        return null;
    }

    private static DateTimeOffset? FirstDate(IReadOnlyDictionary<string, string> metadata, string[] keys)
    {
        foreach (var key in keys)
        {
            if (metadata.TryGetValue(key, out var s) && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d))
            {
                return d;
            }
        }

        return null;
    }

    [GeneratedRegex("^v[0-9]{1,9}$")]
    private static partial Regex VersionPattern();
}
