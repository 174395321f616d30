using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ShawBot.Engine.Lora;

namespace ShawBot.Infrastructure.Adapters;

/// <summary>
/// The adapter registry on disk: <c>adapters/v0001</c>, <c>v0002</c>, … each a PEFT folder plus
/// metadata.json, loss-curve.svg/.png, metrics.json and dataset-ids.txt; <c>adapters/active</c> names the
/// live version ("none" or absent: the bare base model); <c>activations.jsonl</c> logs every change.
/// </summary>
/// <remarks>
/// Crash safety: a version is assembled in <c>.tmp-*</c> and renamed into place in one
/// Directory.Move, so a version folder is whole or absent; the pointer is written to a temporary
/// file and moved over the old one (rename is atomic on one file system). Leftover <c>.tmp-*</c>
/// folders are deleted by <see cref="CleanUpIncomplete"/>.
/// </remarks>
public sealed partial class AdapterRegistry
{
    public const string ActiveFile = "active";
    public const string MetadataFile = "metadata.json";
    public const string DatasetIdsFile = "dataset-ids.txt";
    private const string ActivationsFile = "activations.jsonl";
    private const string LastRunFile = "last-run.json";
    private const string LockFile = ".lock";
    private const string NoAdapter = "none";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public AdapterRegistry(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>Where a training run keeps its checkpoint between restarts.</summary>
    public string TrainingFolder => Path.Combine(Root, ".training");

    [GeneratedRegex(@"^v(\d{4,})$")]
    private static partial Regex VersionName();

    public static bool IsVersionName(string name) => VersionName().IsMatch(name);

    public string VersionPath(string version)
    {
        if (!IsVersionName(version)) throw new ArgumentException($"'{version}' is not a version name (v0001, v0002, …)", nameof(version));
        return Path.Combine(Root, version);
    }

    /// <summary>Complete versions, oldest first. Folders without readable metadata are not versions.</summary>
    public IReadOnlyList<AdapterVersion> List()
    {
        if (!Directory.Exists(Root)) return [];
        var list = new List<AdapterVersion>();
        foreach (var dir in Directory.EnumerateDirectories(Root))
        {
            string name = Path.GetFileName(dir);
            var m = VersionName().Match(name);
            if (!m.Success) continue;
            var meta = TryReadMetadata(dir);
            if (meta != null) list.Add(new AdapterVersion(name, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), dir, meta));
        }
        return [.. list.OrderBy(v => v.Number)];
    }

    public AdapterVersion? Get(string version) => List().FirstOrDefault(v => v.Name == version);

    public AdapterVersion? Latest => List().LastOrDefault();

    /// <summary>The live version, or null for the base model.</summary>
    public string? ActiveVersion
    {
        get
        {
            string path = Path.Combine(Root, ActiveFile);
            if (!File.Exists(path)) return null;
            string v = File.ReadAllText(path).Trim();
            return v.Length == 0 || v == NoAdapter ? null : v;
        }
    }

    /// <summary>True when the pointer exists and names no adapter (an operator rolled back to the base model).</summary>
    public bool HasExplicitBaseModel => File.Exists(Path.Combine(Root, ActiveFile)) && ActiveVersion is null;

    /// <summary>The page's read model: whole versions newest first, the live one marked.</summary>
    public AdapterListing Listing()
    {
        string? active = ActiveVersion;
        var versions = List().Reverse().Select(v => new AdapterVersionInfo(
            v.Name, v.Name == active, File.Exists(Path.Combine(v.Path, PeftAdapterFiles.WeightsFile)), File.Exists(v.LossCurvePath),
            v.Metadata.EvalLoss, v.Metadata.CreatedAt, Scalars(v.Metadata))).ToList();
        return new AdapterListing(active, versions);
    }

    /// <summary>A version's loss-curve SVG, or null when the name is not a whole version (which keeps "../" out) or it has no plot.</summary>
    public string? LossCurvePath(string version) =>
        IsVersionName(version) && Get(version) is { } v && File.Exists(v.LossCurvePath) ? v.LossCurvePath : null;

    private static Dictionary<string, string> Scalars(AdapterMetadata metadata)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in JsonSerializer.SerializeToElement(metadata, Json).EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.String) result[p.Name] = p.Value.GetString()!;
            else if (p.Value.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False) result[p.Name] = p.Value.GetRawText();
        }
        return result;
    }

    /// <summary>Comment ids of the curated examples a version was trained on.</summary>
    public IReadOnlySet<string> DatasetIds(AdapterVersion version)
    {
        string path = Path.Combine(version.Path, DatasetIdsFile);
        return File.Exists(path) ? File.ReadLines(path).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal) : new HashSet<string>();
    }

    /// <summary>Deletes half-assembled versions and pointer temporaries left by a crash.</summary>
    public void CleanUpIncomplete()
    {
        if (!Directory.Exists(Root)) return;
        foreach (var dir in Directory.EnumerateDirectories(Root, ".tmp-*")) TryDelete(dir);
        foreach (var file in Directory.EnumerateFiles(Root, "*.tmp")) File.Delete(file);
    }

    /// <summary>
    /// Adds a version: copies the PEFT files from <paramref name="adapterFolder"/>, the extra files, the
    /// dataset ids and the metadata into a temporary folder, then renames it to the next vNNNN.
    /// </summary>
    public AdapterVersion AddVersion(string adapterFolder, Func<string, AdapterMetadata> metadataFor, IEnumerable<string> curatedIds,
        IEnumerable<string> extraFiles)
    {
        Directory.CreateDirectory(Root);
        string tmp = Path.Combine(Root, ".tmp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(tmp);
        try
        {
            foreach (var f in new[] { PeftAdapterFiles.ConfigFile, PeftAdapterFiles.WeightsFile })
                File.Copy(Path.Combine(adapterFolder, f), Path.Combine(tmp, f));
            foreach (var f in extraFiles.Where(File.Exists))
                File.Copy(f, Path.Combine(tmp, Path.GetFileName(f)));
            File.WriteAllLines(Path.Combine(tmp, DatasetIdsFile), curatedIds);
            for (int attempt = 0; ; attempt++)
            {
                string name = $"v{(List().LastOrDefault()?.Number ?? 0) + 1 + attempt:D4}";
                var meta = metadataFor(name);
                File.WriteAllText(Path.Combine(tmp, MetadataFile), JsonSerializer.Serialize(meta, Json));
                FlushDirectoryFiles(tmp);
                string target = Path.Combine(Root, name);
                if (Directory.Exists(target)) continue;      // a folder without metadata (never ours) or a race
                Directory.Move(tmp, target);
                return new AdapterVersion(name, int.Parse(name[1..], CultureInfo.InvariantCulture), target, meta);
            }
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>
    /// Copies a whole version another instance promoted (its folder, <paramref name="sourceFolder"/>) in under the same
    /// name, through a temporary folder renamed into place, so a crash never leaves half a version. A version of that
    /// name already here is kept. Throws when the source is not a whole version (no readable metadata).
    /// </summary>
    public AdapterVersion ImportVersion(string version, string sourceFolder)
    {
        string target = VersionPath(version);
        if (Get(version) is { } present) return present;
        if (TryReadMetadata(sourceFolder) is null)
            throw new InvalidOperationException($"'{sourceFolder}' is not a whole adapter version (no readable {MetadataFile})");
        Directory.CreateDirectory(Root);
        string tmp = Path.Combine(Root, ".tmp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(tmp);
        try
        {
            foreach (var f in Directory.EnumerateFiles(sourceFolder))
                File.Copy(f, Path.Combine(tmp, Path.GetFileName(f)));
            FlushDirectoryFiles(tmp);
            if (Directory.Exists(target)) TryDelete(target);   // a folder without metadata: never a version
            Directory.Move(tmp, target);
            return Get(version) ?? throw new InvalidOperationException($"imported {version} into {Root} but it does not read back as a version");
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>Rewrites a version's metadata.json (atomically) with <paramref name="change"/> applied.</summary>
    public AdapterVersion UpdateMetadata(string version, Func<AdapterMetadata, AdapterMetadata> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var current = Get(version) ?? throw new InvalidOperationException($"adapter version '{version}' is not in {Root}");
        var meta = change(current.Metadata) with { Version = current.Name };
        WriteAtomically(Path.Combine(current.Path, MetadataFile), JsonSerializer.Serialize(meta, Json));
        return current with { Metadata = meta };
    }

    /// <summary>Points "active" at <paramref name="version"/> (null: the base model) and logs the change.</summary>
    public void SetActive(string? version, string requestedBy, string reason)
    {
        if (version != null && Get(version) is null)
            throw new KeyNotFoundException($"no adapter version '{version}' in {Root} (have: {string.Join(", ", List().Select(v => v.Name))})");
        Directory.CreateDirectory(Root);
        WriteAtomically(Path.Combine(Root, ActiveFile), (version ?? NoAdapter) + "\n");
        var entry = new ActivationEntry(DateTimeOffset.UtcNow, version ?? NoAdapter, requestedBy, reason);
        File.AppendAllText(Path.Combine(Root, ActivationsFile), JsonSerializer.Serialize(entry, JsonSerializerOptions.Web) + "\n");
    }

    /// <summary>
    /// What a rollback activates: the newest promoted version older than the active one, or the base
    /// model (null) when there is none. Throws when nothing is active.
    /// </summary>
    public string? RollbackTarget()
    {
        string active = ActiveVersion ?? throw new InvalidOperationException("no adapter is active: the base model is already live");
        int number = int.Parse(active[1..], CultureInfo.InvariantCulture);
        return List().Where(v => v.Number < number && v.Metadata.Promoted).Select(v => v.Name).LastOrDefault();
    }

    /// <summary>Makes the previous promoted version (or the base model) live; returns it.</summary>
    public string? Rollback(string requestedBy)
    {
        string? from = ActiveVersion;
        string? to = RollbackTarget();
        SetActive(to, requestedBy, $"rollback from {from}");
        return to;
    }

    /// <summary>
    /// Finishes a promotion that a crash interrupted: the newest version says promoted, but no
    /// activation ever named it (the process died between the rename and the pointer write).
    /// </summary>
    public string? CompleteInterruptedPromotion()
    {
        var latest = Latest;
        if (latest is not { Metadata.Promoted: true }) return null;
        if (ActiveVersion == latest.Name || Activations().Any(a => a.Version == latest.Name)) return null;
        SetActive(latest.Name, "registry", "promotion completed after a restart");
        return latest.Name;
    }

    public IReadOnlyList<ActivationEntry> Activations()
    {
        string path = Path.Combine(Root, ActivationsFile);
        if (!File.Exists(path)) return [];
        var list = new List<ActivationEntry>();
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try { if (JsonSerializer.Deserialize<ActivationEntry>(line, JsonSerializerOptions.Web) is { } e) list.Add(e); }
            catch (JsonException) { /* a line cut by a crash */ }
        }
        return list;
    }

    public RetrainRunRecord? LastRun
    {
        get
        {
            string path = Path.Combine(Root, LastRunFile);
            if (!File.Exists(path)) return null;
            try { return JsonSerializer.Deserialize<RetrainRunRecord>(File.ReadAllText(path), Json); }
            catch (JsonException) { return null; }
        }
    }

    public void RecordRun(RetrainRunRecord record)
    {
        Directory.CreateDirectory(Root);
        WriteAtomically(Path.Combine(Root, LastRunFile), JsonSerializer.Serialize(record, Json));
    }

    /// <summary>
    /// An exclusive lock on adapters/.lock held for a whole run, so two processes (the service and an
    /// offline `shawbot retrain`) never train into one registry at once. Null when another holds it.
    /// The OS drops the lock when the holder dies.
    /// </summary>
    public IDisposable? TryLock()
    {
        Directory.CreateDirectory(Root);
        try { return new FileStream(Path.Combine(Root, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException) { return null; }
    }

    private static AdapterMetadata? TryReadMetadata(string dir)
    {
        string path = Path.Combine(dir, MetadataFile);
        if (!File.Exists(path))
        {
            // A PEFT folder put here by hand (or by `shawbot demo`) without metadata: an imported
            // version, live-able and a rollback target. Our own versions always carry metadata.json
            // before they are renamed into place, so this is never a half-written one of ours.
            if (!File.Exists(Path.Combine(dir, PeftAdapterFiles.ConfigFile)) || !File.Exists(Path.Combine(dir, PeftAdapterFiles.WeightsFile))) return null;
            return new AdapterMetadata
            {
                Version = Path.GetFileName(dir), CreatedAt = Directory.GetLastWriteTimeUtc(dir), BaseModel = "unknown", DatasetHash = "",
                Promoted = true, Decision = "imported (no metadata.json)",
            };
        }
        // Our own writer has always been AdapterMetadata through JsonSerializerDefaults.Web (camelCase:
        // "evalLoss", "createdAt"), and that reads back case-insensitively; no other spellings were written.
        try { return JsonSerializer.Deserialize<AdapterMetadata>(File.ReadAllText(path), Json); }
        catch (JsonException) { return null; }
    }

    internal static void WriteAtomically(string path, string text)
    {
        string tmp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        using (var f = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            f.Write(bytes);
            f.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>fsync every file so the rename never publishes a folder whose data is still in the page cache.</summary>
    private static void FlushDirectoryFiles(string dir)
    {
        foreach (var f in Directory.EnumerateFiles(dir))
        {
            using var s = new FileStream(f, FileMode.Open, FileAccess.ReadWrite);
            s.Flush(flushToDisk: true);
        }
    }

    private static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>One line of activations.jsonl.</summary>
public sealed record ActivationEntry(DateTimeOffset At, string Version, string By, string Reason);
