using System.Text.Json;

namespace ShawBot.Engine.IO;

/// <summary>
/// The weights of a Hugging Face model folder: either model.safetensors, or the shards that
/// model.safetensors.index.json lists in its "weight_map" ({tensor name: shard file name}).
/// A path to a single .safetensors file is accepted too. Every shard is mapped read-only;
/// the index is checked against the shards when opening (each shard exists, each mapped
/// tensor is in its shard), so later lookups cannot fail half-way through a load.
/// </summary>
public sealed class SafetensorsCheckpoint : IDisposable
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, SafetensorsFile> _fileOf;

    private SafetensorsCheckpoint(string path, List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> fileOf)
    {
        Path = path;
        _files = files;
        _fileOf = fileOf;
    }

    /// <summary>The folder or file that was opened.</summary>
    public string Path { get; }

    public IReadOnlyCollection<string> TensorNames => _fileOf.Keys;

    public IReadOnlyList<SafetensorsFile> Files => _files;

    public static SafetensorsCheckpoint Open(string folderOrFile)
    {
        ArgumentNullException.ThrowIfNull(folderOrFile);
        if (File.Exists(folderOrFile))
            return FromSingle(folderOrFile, folderOrFile);
        if (!Directory.Exists(folderOrFile))
            throw new FileNotFoundException($"no safetensors file or model folder at '{folderOrFile}'", folderOrFile);

        string index = System.IO.Path.Combine(folderOrFile, IndexFileName);
        if (File.Exists(index))
            return FromIndex(folderOrFile, index);
        string single = System.IO.Path.Combine(folderOrFile, SingleFileName);
        if (File.Exists(single))
            return FromSingle(folderOrFile, single);
        throw new FileNotFoundException($"model folder '{folderOrFile}' has neither {SingleFileName} nor {IndexFileName}", single);
    }

    public bool Contains(string name) => _fileOf.ContainsKey(name);

    public SafetensorsFile FileOf(string name)
    {
        if (_fileOf.TryGetValue(name, out SafetensorsFile? f)) return f;
        throw new SafetensorsFormatException(Path, name, null, "no such tensor in this checkpoint");
    }

    public TensorEntry GetEntry(string name) => FileOf(name).GetEntry(name);

    public bool TryGetEntry(string name, out TensorEntry entry)
    {
        if (_fileOf.TryGetValue(name, out SafetensorsFile? f)) return f.TryGetEntry(name, out entry);
        entry = null!;
        return false;
    }

    public ReadOnlySpan<byte> GetBytes(string name)
    {
        SafetensorsFile f = FileOf(name);
        return f.GetBytes(f.GetEntry(name));
    }

    public void ReadFloat32(string name, Span<float> destination) => FileOf(name).ReadFloat32(name, destination);

    public void ReadInt64(string name, Span<long> destination) => FileOf(name).ReadInt64(name, destination);

    public void Dispose()
    {
        foreach (SafetensorsFile f in _files) f.Dispose();
    }

    private static SafetensorsCheckpoint FromSingle(string path, string file)
    {
        SafetensorsFile f = SafetensorsFile.Open(file);
        var map = new Dictionary<string, SafetensorsFile>(f.Tensors.Count, StringComparer.Ordinal);
        foreach (TensorEntry e in f.Tensors) map.Add(e.Name, f);
        return new SafetensorsCheckpoint(path, [f], map);
    }

    private static SafetensorsCheckpoint FromIndex(string folder, string indexPath)
    {
        Dictionary<string, string> weightMap = ReadWeightMap(indexPath);
        var files = new List<SafetensorsFile>();
        var byShard = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        var fileOf = new Dictionary<string, SafetensorsFile>(weightMap.Count, StringComparer.Ordinal);
        try
        {
            // Shards in a stable order (sorted by name) so errors and Files are deterministic.
            foreach (string shard in weightMap.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                string shardPath = System.IO.Path.Combine(folder, shard);
                if (!File.Exists(shardPath))
                {
                    string first = weightMap.First(kv => kv.Value == shard).Key;
                    throw new SafetensorsFormatException(indexPath, first, "weight_map", $"shard '{shard}' does not exist in '{folder}'");
                }
                SafetensorsFile f = SafetensorsFile.Open(shardPath);
                files.Add(f);
                byShard.Add(shard, f);
            }
            foreach ((string name, string shard) in weightMap)
            {
                SafetensorsFile f = byShard[shard];
                if (!f.TryGetEntry(name, out _))
                    throw new SafetensorsFormatException(indexPath, name, "weight_map", $"is mapped to shard '{shard}', which has no such tensor");
                fileOf.Add(name, f);
            }
        }
        catch
        {
            foreach (SafetensorsFile f in files) f.Dispose();
            throw;
        }
        return new SafetensorsCheckpoint(folder, files, fileOf);
    }

    /// <summary>Parses {"metadata": {...}, "weight_map": {"name": "model-00001-of-00002.safetensors", ...}}.</summary>
    private static Dictionary<string, string> ReadWeightMap(string indexPath)
    {
        var info = new FileInfo(indexPath);
        if (info.Length > SafetensorsHeaderParser.MaxHeaderLength)
            throw new SafetensorsFormatException(indexPath, null, null, $"the index is {info.Length} bytes, over the {SafetensorsHeaderParser.MaxHeaderLength}-byte limit");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(indexPath));
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(indexPath, null, null, $"the index is not valid JSON ({e.Message})", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object ||
                !doc.RootElement.TryGetProperty("weight_map", out JsonElement wm) || wm.ValueKind != JsonValueKind.Object)
                throw new SafetensorsFormatException(indexPath, null, "weight_map", "is missing or not an object");
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty p in wm.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String)
                    throw new SafetensorsFormatException(indexPath, p.Name, "weight_map", $"the shard must be a string, found {p.Value.ValueKind}");
                string shard = p.Value.GetString()!;
                // A shard is a file name inside the folder: no directories, no escaping the folder.
                if (shard.Length == 0 || shard != System.IO.Path.GetFileName(shard) || shard is "." or "..")
                    throw new SafetensorsFormatException(indexPath, p.Name, "weight_map", $"shard '{shard}' is not a plain file name");
                if (!map.TryAdd(p.Name, shard))
                    throw new SafetensorsFormatException(indexPath, p.Name, "weight_map", "the tensor name appears twice");
            }
            return map;
        }
    }
}
