using System.Buffers.Binary;
using System.Text.Json;

namespace ShawBot.Engine.IO;

/// <summary>
/// Writes a safetensors file: u64 header length N, N bytes of JSON padded with spaces to a
/// multiple of 8 (so every tensor starts 8-aligned relative to the file when sizes allow), then the
/// tensors' bytes in the given order with no gaps. The file is written to path + ".tmp" and
/// renamed over path, so a crash leaves either the old file or the new one, never half a file.
/// </summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IReadOnlyList<TensorToWrite> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        byte[] header = BuildHeader(tensors, metadata);

        string tmp = path + ".tmp";
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                Span<byte> len = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
                fs.Write(len);
                fs.Write(header);
                foreach (TensorToWrite t in tensors) fs.Write(t.Data.Span);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>The padded header JSON; checks each tensor's byte count against its shape.</summary>
    internal static byte[] BuildHeader(IReadOnlyList<TensorToWrite> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var buffer = new MemoryStream();
        var options = new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using (var w = new Utf8JsonWriter(buffer, options))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(SafetensorsHeaderParser.MetadataKey);
                foreach (var kv in metadata) w.WriteString(kv.Key, kv.Value);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (TensorToWrite t in tensors)
            {
                if (t.Name == SafetensorsHeaderParser.MetadataKey || !names.Add(t.Name))
                    throw new ArgumentException($"tensor name '{t.Name}' is reserved or used twice", nameof(tensors));
                long elements = 1;
                foreach (long d in t.Shape)
                {
                    if (d < 0) throw new ArgumentException($"tensor '{t.Name}' has a negative dimension", nameof(tensors));
                    elements = checked(elements * d);
                }
                long bytes = checked(elements * t.DType.ElementSize());
                if (bytes != t.Data.Length)
                    throw new ArgumentException($"tensor '{t.Name}' shape [{string.Join(", ", t.Shape)}] of {t.DType.ToHeaderName()} needs {bytes} bytes but {t.Data.Length} were given", nameof(tensors));

                w.WriteStartObject(t.Name);
                w.WriteString("dtype", t.DType.ToHeaderName());
                w.WriteStartArray("shape");
                foreach (long d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        int raw = (int)buffer.Length;
        int padded = (raw + 7) & ~7;
        byte[] header = new byte[padded];
        buffer.GetBuffer().AsSpan(0, raw).CopyTo(header);
        header.AsSpan(raw).Fill((byte)' ');
        return header;
    }
}
