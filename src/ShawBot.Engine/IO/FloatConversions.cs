using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ShawBot.Engine.IO;

/// <summary>
/// bfloat16 / float16 &lt;-&gt; float32.
///
/// bf16 is the top half of an IEEE float32: f32 bits = bf16 bits &lt;&lt; 16, exact.
/// f32 -&gt; bf16 rounds to nearest, ties to even, like torch's c10::BFloat16:
///   bits' = (bits + 0x7FFF + ((bits &gt;&gt; 16) &amp; 1)) &gt;&gt; 16, and NaN -&gt; 0x7FC0 (quiet NaN).
/// f16 uses System.Half through TensorPrimitives (IEEE round-to-nearest-even).
/// </summary>
public static class FloatConversions
{
    private const ushort BFloat16QuietNaN = 0x7FC0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float BFloat16ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort SingleToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return BFloat16QuietNaN;
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }

    /// <summary>bf16 bit patterns -&gt; fp32; lengths must match.</summary>
    public static void BFloat16ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        CheckLengths(source.Length, destination.Length);
        Span<uint> dst = MemoryMarshal.Cast<float, uint>(destination);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // Widen 16 ushorts into two vectors of 8 uints, then shift each into the high half.
            ref ushort s = ref MemoryMarshal.GetReference(source);
            ref uint d = ref MemoryMarshal.GetReference(dst);
            for (; i <= source.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var v = Vector256.LoadUnsafe(ref s, (nuint)i);
                (Vector256<uint> lo, Vector256<uint> hi) = Vector256.Widen(v);
                Vector256.ShiftLeft(lo, 16).StoreUnsafe(ref d, (nuint)i);
                Vector256.ShiftLeft(hi, 16).StoreUnsafe(ref d, (nuint)(i + Vector256<uint>.Count));
            }
        }
        for (; i < source.Length; i++) dst[i] = (uint)source[i] << 16;
    }

    /// <summary>fp32 -&gt; bf16 bit patterns, round to nearest even; lengths must match.</summary>
    public static void SingleToBFloat16(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        CheckLengths(source.Length, destination.Length);
        ReadOnlySpan<uint> src = MemoryMarshal.Cast<float, uint>(source);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref uint s = ref MemoryMarshal.GetReference(src);
            ref float sf = ref MemoryMarshal.GetReference(source);
            ref ushort d = ref MemoryMarshal.GetReference(destination);
            Vector256<uint> bias = Vector256.Create(0x7FFFu);
            Vector256<uint> one = Vector256<uint>.One;
            Vector256<uint> nan = Vector256.Create((uint)BFloat16QuietNaN);
            for (; i <= source.Length - 2 * Vector256<uint>.Count; i += 2 * Vector256<uint>.Count)
            {
                Vector256<uint> a = Round(Vector256.LoadUnsafe(ref s, (nuint)i), Vector256.LoadUnsafe(ref sf, (nuint)i), bias, one, nan);
                Vector256<uint> b = Round(Vector256.LoadUnsafe(ref s, (nuint)(i + 8)), Vector256.LoadUnsafe(ref sf, (nuint)(i + 8)), bias, one, nan);
                // Values are < 0x10000 after the shift, so narrowing truncation is exact.
                Vector256.Narrow(a, b).StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < source.Length; i++) destination[i] = SingleToBFloat16(source[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Round(Vector256<uint> bits, Vector256<float> values, Vector256<uint> bias, Vector256<uint> one, Vector256<uint> nan)
    {
        Vector256<uint> rounded = Vector256.ShiftRightLogical(bits + bias + (Vector256.ShiftRightLogical(bits, 16) & one), 16);
        Vector256<uint> isNumber = Vector256.Equals(values, values).AsUInt32();
        return Vector256.ConditionalSelect(isNumber, rounded, nan);
    }

    /// <summary>fp16 -&gt; fp32; lengths must match.</summary>
    public static void HalfToSingle(ReadOnlySpan<Half> source, Span<float> destination)
    {
        CheckLengths(source.Length, destination.Length);
        TensorPrimitives.ConvertToSingle(source, destination);
    }

    /// <summary>fp32 -&gt; fp16 (round to nearest even); lengths must match.</summary>
    public static void SingleToHalf(ReadOnlySpan<float> source, Span<Half> destination)
    {
        CheckLengths(source.Length, destination.Length);
        TensorPrimitives.ConvertToHalf(source, destination);
    }

    /// <summary>Rounds each value to the nearest bf16 and back: what a bf16 tensor would hold.</summary>
    public static void RoundToBFloat16(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = BFloat16ToSingle(SingleToBFloat16(values[i]));
    }

    private static void CheckLengths(int source, int destination)
    {
        if (source != destination)
            throw new ArgumentException($"source has {source} elements but destination has {destination}", nameof(destination));
    }
}
