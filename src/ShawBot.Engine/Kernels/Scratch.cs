using System.Runtime.InteropServices;

namespace ShawBot.Engine.Kernels;

/// <summary>Per-thread scratch for the kernels: 64-byte aligned floats, grown on demand and then reused.</summary>
internal static unsafe class Scratch
{
    /// <summary>
    /// Returns <paramref name="buffer"/> with room for at least <paramref name="floats"/> values,
    /// reallocating it (contents not kept) when it is smaller. Pass [ThreadStatic] fields by ref.
    /// </summary>
    public static float* Grow(ref float* buffer, ref int capacity, int floats)
    {
        if (capacity < floats)
        {
            if (buffer != null) NativeMemory.AlignedFree(buffer);
            buffer = (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);
            capacity = floats;
        }
        return buffer;
    }
}
