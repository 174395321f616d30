using System.Buffers.Binary;
using System.Text;

namespace ShawBot.Engine.Tests.IO;

/// <summary>Builds raw safetensors bytes by hand, so tests can break any field on purpose.</summary>
internal static class SafetensorsTestFiles
{
    /// <summary>[u64 header length][header JSON][data], header unpadded unless padded is set.</summary>
    public static byte[] Raw(string headerJson, byte[] data, ulong? headerLengthOverride = null)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLengthOverride ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    public static string WriteRaw(TempDir dir, string name, string headerJson, byte[] data, ulong? headerLengthOverride = null)
    {
        string path = dir.File(name);
        File.WriteAllBytes(path, Raw(headerJson, data, headerLengthOverride));
        return path;
    }
}
