using System.Text.Json;
using System.Text.Unicode;

namespace ShawBot.Engine.IO;

/// <summary>
/// Checks a safetensors header before any data byte is touched.
///
/// File layout: [u64 little-endian N][N bytes of UTF-8 JSON][data region of D bytes],
/// D = fileLength - 8 - N. The JSON is an object; "__metadata__" maps string to string; every
/// other key is a tensor {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]}
/// with offsets relative to the start of the data region.
/// Invariants enforced here: 0 &lt;= begin &lt;= end &lt;= D; end - begin == prod(shape) * elementSize
/// (checked arithmetic); sorted by begin, no two tensors overlap.
/// </summary>
internal static class SafetensorsHeaderParser
{
    /// <summary>Largest header we accept (the reference implementation's limit).</summary>
    internal const long MaxHeaderLength = 100_000_000;

    internal const string MetadataKey = "__metadata__";

    internal static (List<TensorEntry> Tensors, Dictionary<string, string> Metadata) Parse(
        string path, byte[] header, long fileLength)
    {
        long dataStart = 8 + header.LongLength;
        long dataLength = fileLength - dataStart;

        if (!Utf8.IsValid(header))
            throw new SafetensorsFormatException(path, null, "header", "the header is not valid UTF-8");

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(path, null, "header", $"the header is not valid JSON ({e.Message})", e);
        }

        using (doc)
        {
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new SafetensorsFormatException(path, null, "header", $"the header must be a JSON object, found {root.ValueKind}");

            var tensors = new List<TensorEntry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            bool sawMetadata = false;

            foreach (JsonProperty prop in root.EnumerateObject())
            {
                if (prop.Name == MetadataKey)
                {
                    if (sawMetadata)
                        throw new SafetensorsFormatException(path, null, MetadataKey, "appears twice");
                    sawMetadata = true;
                    ParseMetadata(path, prop.Value, metadata);
                    continue;
                }
                if (!seen.Add(prop.Name))
                    throw new SafetensorsFormatException(path, prop.Name, null, "the tensor name appears twice in the header");
                tensors.Add(ParseEntry(path, prop.Name, prop.Value, dataStart, dataLength));
            }

            // Sorted by offset (then by length so empty tensors sit before a tensor at the same
            // offset); tensor i must end at or before tensor i+1 begins.
            tensors.Sort(static (a, b) =>
            {
                int c = a.DataOffset.CompareTo(b.DataOffset);
                return c != 0 ? c : a.ByteLength.CompareTo(b.ByteLength);
            });
            for (int i = 1; i < tensors.Count; i++)
            {
                TensorEntry prev = tensors[i - 1], cur = tensors[i];
                if (prev.DataOffset + prev.ByteLength > cur.DataOffset)
                    throw new SafetensorsFormatException(path, cur.Name, "data_offsets",
                        $"bytes [{cur.DataOffset - dataStart}, {cur.DataOffset - dataStart + cur.ByteLength}) overlap tensor '{prev.Name}' " +
                        $"[{prev.DataOffset - dataStart}, {prev.DataOffset - dataStart + prev.ByteLength})");
            }
            return (tensors, metadata);
        }
    }

    private static void ParseMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException(path, null, MetadataKey, $"must be an object of strings, found {value.ValueKind}");
        foreach (JsonProperty p in value.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                throw new SafetensorsFormatException(path, null, $"{MetadataKey}.{p.Name}", $"must be a string, found {p.Value.ValueKind}");
            if (!metadata.TryAdd(p.Name, p.Value.GetString()!))
                throw new SafetensorsFormatException(path, null, $"{MetadataKey}.{p.Name}", "appears twice");
        }
    }

    private static TensorEntry ParseEntry(string path, string name, JsonElement value, long dataStart, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException(path, name, null, $"the entry must be an object, found {value.ValueKind}");

        JsonElement dtypeEl = Required(path, name, value, "dtype");
        if (dtypeEl.ValueKind != JsonValueKind.String)
            throw new SafetensorsFormatException(path, name, "dtype", $"must be a string, found {dtypeEl.ValueKind}");
        string dtypeName = dtypeEl.GetString()!;
        if (!SafetensorsDTypeExtensions.TryParseHeaderName(dtypeName, out SafetensorsDType dtype))
            throw new SafetensorsFormatException(path, name, "dtype", $"unknown dtype '{dtypeName}'");

        JsonElement shapeEl = Required(path, name, value, "shape");
        if (shapeEl.ValueKind != JsonValueKind.Array)
            throw new SafetensorsFormatException(path, name, "shape", $"must be an array, found {shapeEl.ValueKind}");
        int rank = shapeEl.GetArrayLength();
        if (rank > 16)
            throw new SafetensorsFormatException(path, name, "shape", $"rank {rank} is more than 16");
        var shape = new long[rank];
        long elements = 1;
        int k = 0;
        foreach (JsonElement d in shapeEl.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim) || dim < 0)
                throw new SafetensorsFormatException(path, name, "shape", $"dimension {k} must be a non-negative integer, found {d.GetRawText()}");
            shape[k++] = dim;
            // The product can only be valid if it fits the data region, so stop at the first
            // overflow instead of multiplying further.
            if (!TryMultiply(elements, dim, out elements))
                throw new SafetensorsFormatException(path, name, "shape", "the element count overflows 64 bits");
        }

        JsonElement offEl = Required(path, name, value, "data_offsets");
        if (offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
            throw new SafetensorsFormatException(path, name, "data_offsets", "must be an array [begin, end]");
        if (!offEl[0].TryGetInt64(out long begin) || !offEl[1].TryGetInt64(out long end) || begin < 0 || end < 0)
            throw new SafetensorsFormatException(path, name, "data_offsets", $"must hold two non-negative integers, found {offEl.GetRawText()}");
        if (begin > end)
            throw new SafetensorsFormatException(path, name, "data_offsets", $"begin {begin} is after end {end}");
        if (end > dataLength)
            throw new SafetensorsFormatException(path, name, "data_offsets",
                $"end {end} is past the data region of {dataLength} bytes (the file is truncated or the offsets are wrong)");

        if (!TryMultiply(elements, dtype.ElementSize(), out long expectedBytes))
            throw new SafetensorsFormatException(path, name, "shape", "the byte count overflows 64 bits");
        if (expectedBytes != end - begin)
            throw new SafetensorsFormatException(path, name, "shape",
                $"shape [{string.Join(", ", shape)}] of {dtypeName} needs {expectedBytes} bytes but data_offsets span {end - begin}");

        foreach (JsonProperty p in value.EnumerateObject())
        {
            if (p.Name is not ("dtype" or "shape" or "data_offsets"))
                throw new SafetensorsFormatException(path, name, p.Name, "unknown field in a tensor entry");
        }
        return new TensorEntry(name, dtype, shape, dataStart + begin, end - begin);
    }

    private static JsonElement Required(string path, string name, JsonElement obj, string field)
    {
        if (!obj.TryGetProperty(field, out JsonElement el))
            throw new SafetensorsFormatException(path, name, field, "is missing");
        return el;
    }

    /// <summary>Signed 64-bit multiply that reports overflow instead of throwing.</summary>
    private static bool TryMultiply(long a, long b, out long product)
    {
        long high = Math.BigMul(a, b, out product);
        return high == (product >> 63);
    }
}
