using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace ShawBot.Engine.IO;

/// <summary>
/// A safetensors file mapped read-only into memory. Open validates the whole header (see
/// <see cref="SafetensorsHeaderParser"/>) before any tensor byte is read; afterwards tensor
/// bytes are handed out as zero-copy spans over the mapping, valid until Dispose.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly long _length;
    private readonly Dictionary<string, TensorEntry> _byName;
    private bool _disposed;

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePtr, long length,
        List<TensorEntry> tensors, Dictionary<string, string> metadata)
    {
        FilePath = path;
        _map = map;
        _view = view;
        _base = basePtr;
        _length = length;
        Tensors = tensors;
        Metadata = metadata;
        _byName = new Dictionary<string, TensorEntry>(tensors.Count, StringComparer.Ordinal);
        foreach (TensorEntry e in tensors) _byName.Add(e.Name, e);
    }

    public string FilePath { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>All tensors, in the order of their data offsets.</summary>
    public IReadOnlyList<TensorEntry> Tensors { get; }

    /// <summary>Total file length in bytes.</summary>
    public long Length => _length;

    public static SafetensorsFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; this engine reads it in place");

        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        bool acquired = false;
        try
        {
            long length = fs.Length;
            if (length < 8)
                throw new SafetensorsFormatException(path, null, "header_length", $"the file has {length} bytes, fewer than the 8-byte header length");

            map = MemoryMappedFile.CreateFromFile(fs, mapName: null, capacity: 0, MemoryMappedFileAccess.Read,
                HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            acquired = true;
            p += view.PointerOffset;

            ulong n = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(p, 8));
            if (n > SafetensorsHeaderParser.MaxHeaderLength)
                throw new SafetensorsFormatException(path, null, "header_length", $"header length {n} exceeds the {SafetensorsHeaderParser.MaxHeaderLength}-byte limit");
            if ((long)n > length - 8)
                throw new SafetensorsFormatException(path, null, "header_length", $"header length {n} runs past the end of the {length}-byte file");

            // Copied once: the header is at most 100 MB and at most the file size.
            byte[] header = new ReadOnlySpan<byte>(p + 8, (int)n).ToArray();
            var (tensors, metadata) = SafetensorsHeaderParser.Parse(path, header, length);
            return new SafetensorsFile(path, map, view, p, length, tensors, metadata);
        }
        catch
        {
            if (acquired) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            map?.Dispose();
            fs.Dispose();
            throw;
        }
    }

    public bool TryGetEntry(string name, out TensorEntry entry)
    {
        if (_byName.TryGetValue(name, out TensorEntry? e))
        {
            entry = e;
            return true;
        }
        entry = null!;
        return false;
    }

    public TensorEntry GetEntry(string name)
    {
        if (_byName.TryGetValue(name, out TensorEntry? e)) return e;
        throw new SafetensorsFormatException(FilePath, name, null, "no such tensor in this file");
    }

    /// <summary>
    /// Zero-copy view of a tensor's bytes. The span points into the mapping, so it must not be
    /// used after Dispose. Tensors over 2 GiB do not fit a span; read them by rows with
    /// <see cref="GetBytes(TensorEntry, long, int)"/>.
    /// </summary>
    public ReadOnlySpan<byte> GetBytes(TensorEntry e)
    {
        CheckOwned(e);
        if (e.ByteLength > int.MaxValue)
            throw new SafetensorsFormatException(FilePath, e.Name, null, $"{e.ByteLength} bytes do not fit one span; read it in slices");
        return new ReadOnlySpan<byte>(_base + e.DataOffset, (int)e.ByteLength);
    }

    /// <summary>A slice [start, start + count) of a tensor's bytes.</summary>
    public ReadOnlySpan<byte> GetBytes(TensorEntry e, long start, int count)
    {
        CheckOwned(e);
        if (start < 0 || count < 0 || start > e.ByteLength - count)
            throw new ArgumentOutOfRangeException(nameof(start), $"slice [{start}, {start + count}) is outside tensor '{e.Name}' of {e.ByteLength} bytes");
        return new ReadOnlySpan<byte>(_base + e.DataOffset + start, count);
    }

    /// <summary>Reads an F32, F16 or BF16 tensor as fp32; destination length must equal ElementCount.</summary>
    public void ReadFloat32(string name, Span<float> destination) => ReadFloat32(GetEntry(name), destination);

    public void ReadFloat32(TensorEntry e, Span<float> destination)
    {
        CheckLength(e, destination.Length);
        ReadOnlySpan<byte> src = GetBytes(e);
        switch (e.DType)
        {
            case SafetensorsDType.F32:
                MemoryMarshal.Cast<byte, float>(src).CopyTo(destination);
                break;
            case SafetensorsDType.BF16:
                FloatConversions.BFloat16ToSingle(MemoryMarshal.Cast<byte, ushort>(src), destination);
                break;
            case SafetensorsDType.F16:
                FloatConversions.HalfToSingle(MemoryMarshal.Cast<byte, Half>(src), destination);
                break;
            default:
                throw new SafetensorsFormatException(FilePath, e.Name, "dtype", $"{e.DType.ToHeaderName()} cannot be read as float32 (expected F32, F16 or BF16)");
        }
    }

    /// <summary>Reads an I64 or I32 tensor as int64; destination length must equal ElementCount.</summary>
    public void ReadInt64(string name, Span<long> destination)
    {
        TensorEntry e = GetEntry(name);
        CheckLength(e, destination.Length);
        ReadOnlySpan<byte> src = GetBytes(e);
        switch (e.DType)
        {
            case SafetensorsDType.I64:
                MemoryMarshal.Cast<byte, long>(src).CopyTo(destination);
                break;
            case SafetensorsDType.I32:
                ReadOnlySpan<int> ints = MemoryMarshal.Cast<byte, int>(src);
                for (int i = 0; i < ints.Length; i++) destination[i] = ints[i];
                break;
            default:
                throw new SafetensorsFormatException(FilePath, e.Name, "dtype", $"{e.DType.ToHeaderName()} cannot be read as int64 (expected I64 or I32)");
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    private void CheckOwned(TensorEntry e)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_byName.TryGetValue(e.Name, out TensorEntry? mine) || !ReferenceEquals(mine, e))
            throw new ArgumentException($"tensor entry '{e.Name}' does not belong to '{FilePath}'", nameof(e));
    }

    private void CheckLength(TensorEntry e, int destinationLength)
    {
        if (destinationLength != e.ElementCount)
            throw new ArgumentException($"tensor '{e.Name}' in '{FilePath}' has {e.ElementCount} elements but the destination holds {destinationLength}", "destination");
    }
}
