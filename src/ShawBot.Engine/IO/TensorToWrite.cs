using System.Runtime.InteropServices;

namespace ShawBot.Engine.IO;

/// <summary>A tensor to be written by <see cref="SafetensorsWriter"/>: raw little-endian bytes plus dtype and shape.</summary>
public sealed record TensorToWrite(string Name, SafetensorsDType DType, long[] Shape, ReadOnlyMemory<byte> Data)
{
    public static TensorToWrite FromFloat32(string name, long[] shape, ReadOnlySpan<float> data) =>
        new(name, SafetensorsDType.F32, shape, MemoryMarshal.AsBytes(data).ToArray());

    /// <summary>fp32 values stored as BF16 (rounded to nearest even).</summary>
    public static TensorToWrite FromFloat32AsBFloat16(string name, long[] shape, ReadOnlySpan<float> data)
    {
        var bits = new ushort[data.Length];
        FloatConversions.SingleToBFloat16(data, bits);
        return new(name, SafetensorsDType.BF16, shape, MemoryMarshal.AsBytes(bits.AsSpan()).ToArray());
    }

    public static TensorToWrite FromInt64(string name, long[] shape, ReadOnlySpan<long> data) =>
        new(name, SafetensorsDType.I64, shape, MemoryMarshal.AsBytes(data).ToArray());

    /// <summary>Raw bytes as a U8 tensor (no copy: the array is referenced).</summary>
    public static TensorToWrite FromBytes(string name, long[] shape, byte[] data) =>
        new(name, SafetensorsDType.U8, shape, data);
}
