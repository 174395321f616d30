using Microsoft.Win32.SafeHandles;

namespace ShawBot.Engine.IO;

/// <summary>
/// Copies tensor bytes out of a safetensors file with positioned reads (pread) instead of through
/// the read-only mapping: a mapped page that has been touched counts towards the process's
/// resident memory until the mapping goes, so copying a whole checkpoint through the mapping
/// briefly needs twice its size. TensorEntry.DataOffset is the absolute file offset.
/// </summary>
internal static class TensorFileReader
{
    /// <summary>Bytes [start, start + destination.Length) of tensor e into destination.</summary>
    public static void Read(SafeFileHandle handle, string file, TensorEntry e, long start, Span<byte> destination)
    {
        if (start < 0 || start > e.ByteLength - destination.Length)
            throw new ArgumentOutOfRangeException(nameof(start), $"slice [{start}, {start + destination.Length}) is outside tensor '{e.Name}' of {e.ByteLength} bytes");
        for (int got = 0; got < destination.Length;)
        {
            int read = RandomAccess.Read(handle, destination[got..], e.DataOffset + start + got);
            if (read <= 0) throw new SafetensorsFormatException(file, e.Name, "data_offsets", "the file ends inside the tensor");
            got += read;
        }
    }

    /// <summary>All of tensor name's bytes (destination length must be its byte length).</summary>
    public static void ReadAll(SafetensorsCheckpoint ck, string name, Span<byte> destination)
    {
        SafetensorsFile f = ck.FileOf(name);
        TensorEntry e = f.GetEntry(name);
        if (destination.Length != e.ByteLength)
            throw new ArgumentException($"tensor '{name}' has {e.ByteLength} bytes, destination holds {destination.Length}", nameof(destination));
        using SafeFileHandle handle = Open(f.FilePath);
        Read(handle, f.FilePath, e, 0, destination);
    }

    public static SafeFileHandle Open(string file) => File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
}
