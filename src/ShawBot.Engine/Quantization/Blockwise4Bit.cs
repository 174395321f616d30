using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ShawBot.Engine.Quantization;

/// <summary>
/// Block kernels of bitsandbytes' 4-bit quantization (quantize_4bit / dequantize_4bit).
///
/// Layout of a row-major weight W (rows x cols, n = rows*cols values, flattened):
///   block b holds values [b*B, min((b+1)*B, n)), B = blocksize (64 by default);
///   absmax[b] = max |W[i]| over the block (fp32);
///   code(i)   = tree(W[i] * (1 / absmax[b])), clamped to [-1, 1] first;
///   packed[k] = code(2k) &lt;&lt; 4 | code(2k+1): the FIRST value of each pair in the HIGH nibble;
///   an odd n pads the last low nibble with 0.
/// Dequantization: W'[i] = table[code(i)] * absmax[b] (one fp32 multiply).
/// Since B is even, block b starts at byte b*B/2 and spans B/2 bytes.
/// </summary>
public static class Blockwise4Bit
{
    /// <summary>
    /// Quantizes one block: returns its absmax and writes ceil(values.Length / 2) packed bytes.
    /// An all-zero block gets absmax 0 and codes of NaN (code 0), like the CUDA kernel's 0 * (1/0);
    /// it dequantizes to zeros.
    /// </summary>
    public static float QuantizeBlock(ReadOnlySpan<float> values, QuantType4Bit type, Span<byte> packed)
    {
        int count = values.Length;
        if (packed.Length < (count + 1) / 2)
            throw new ArgumentException($"packed needs {(count + 1) / 2} bytes, has {packed.Length}", nameof(packed));

        // fmaxf-like: NaN inputs do not poison the block's absmax.
        float absmax = 0f;
        foreach (float v in values)
        {
            float a = MathF.Abs(v);
            if (a > absmax) absmax = a;
        }
        float scale = 1f / absmax;

        // Codes in chunks of 64 through a stack buffer (SIMD when available), then packed.
        Span<byte> codes = stackalloc byte[ChunkLength];
        for (int start = 0; start < count; start += ChunkLength)
        {
            int len = Math.Min(ChunkLength, count - start);
            Codes(values.Slice(start, len), scale, type, codes[..len]);
            Pack(codes[..len], packed[(start / 2)..]);
        }
        return absmax;
    }

    private const int ChunkLength = 64;

    /// <summary>
    /// codes[i] = tree(clamp(values[i] * scale)). The trees are binary searches over sorted
    /// pivots with a strict '&gt;', so the code is the number of pivots strictly below x; the
    /// Vector256 path counts them with 15 (NF4) or 7 (FP4, on |x|) compares per lane. Clamping
    /// to [-1, 1] cannot change a count because every pivot lies inside (-1, 1); NaN exceeds no
    /// pivot and gets code 0 on both paths.
    /// </summary>
    internal static void Codes(ReadOnlySpan<float> values, float scale, QuantType4Bit type, Span<byte> codes)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<float>.Count)
        {
            var s = Vector256.Create(scale);
            Span<int> lanes = stackalloc int[Vector256<int>.Count];
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> x = Vector256.Create(values.Slice(i, Vector256<float>.Count)) * s;
                Vector256<int> c = type == QuantType4Bit.Nf4 ? CountNf4(x) : CodeFp4(x);
                c.CopyTo(lanes);
                for (int j = 0; j < lanes.Length; j++) codes[i + j] = (byte)lanes[j];
            }
        }
        if (type == QuantType4Bit.Nf4)
            for (; i < values.Length; i++) codes[i] = QuantizationTables.QuantizeNf4(Clamp(values[i] * scale));
        else
            for (; i < values.Length; i++) codes[i] = QuantizationTables.QuantizeFp4(Clamp(values[i] * scale));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> CountNf4(Vector256<float> x)
    {
        // Each true compare is all ones (-1): subtracting the masks counts the pivots below x.
        Vector256<int> c = Vector256<int>.Zero;
        foreach (float pivot in Nf4Pivots)
            c -= Vector256.GreaterThan(x, Vector256.Create(pivot)).AsInt32();
        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> CodeFp4(Vector256<float> x)
    {
        Vector256<int> count = Vector256<int>.Zero;
        Vector256<float> a = Vector256.Abs(x);
        foreach (float pivot in Fp4Pivots)
            count -= Vector256.GreaterThan(a, Vector256.Create(pivot)).AsInt32();
        // count c = 0..7 -> magnitude code {000, 001, 110, 111, 100, 101, 010, 011}: the pair
        // c >> 1 = 1, 2, 3 has high bits 4 - (c >> 1), the low bit is c & 1; for c < 2 the
        // formula gives 8 | c, and the final & 7 leaves c.
        Vector256<int> code = ((Vector256.Create(4) - Vector256.ShiftRightArithmetic(count, 1)) << 1 | (count & Vector256<int>.One)) & Vector256.Create(7);
        Vector256<int> sign = Vector256.LessThan(x, Vector256<float>.Zero).AsInt32() & Vector256.Create(0b1000);
        return code | sign;
    }

    /// <summary>dQuantizeNF4's pivots in ascending order (midpoints of neighbouring NF4 codes).</summary>
    private static ReadOnlySpan<float> Nf4Pivots =>
    [
        -0.8480964004993439f, -0.6106329262256622f, -0.4599952697753906f, -0.33967943489551544f,
        -0.23460740596055984f, -0.13791173323988914f, -0.045525018125772476f, 0.03979014977812767f,
        0.1202552504837513f, 0.2035212516784668f, 0.2920137718319893f, 0.3893125355243683f,
        0.5016634166240692f, 0.6427869200706482f, 0.8614784181118011f,
    ];

    /// <summary>dQuantizeFP4's pivots on |x| in ascending order.</summary>
    private static ReadOnlySpan<float> Fp4Pivots => [0.00260417f, 0.0859375f, 0.20833333f, 0.29166667f, 0.4166667f, 0.583333f, 0.8333333f];

    /// <summary>packed[k] = codes[2k] &lt;&lt; 4 | codes[2k+1]; an odd tail gets a 0 low nibble.</summary>
    private static void Pack(ReadOnlySpan<byte> codes, Span<byte> packed)
    {
        int pairs = codes.Length / 2;
        for (int k = 0; k < pairs; k++) packed[k] = (byte)(codes[2 * k] << 4 | codes[2 * k + 1]);
        if ((codes.Length & 1) != 0) packed[pairs] = (byte)(codes[^1] << 4);
    }

    /// <summary>
    /// Scalar reference dequantization of one block: dst[i] = table[nibble(i)] * absmax,
    /// nibble(2k) = packed[k] &gt;&gt; 4, nibble(2k+1) = packed[k] &amp; 15. dst.Length is the
    /// number of values in the block (odd allowed: the last byte's low nibble is ignored).
    /// </summary>
    public static void DequantizeBlock(ReadOnlySpan<byte> packed, float absmax, ReadOnlySpan<float> table, Span<float> dst)
    {
        int count = dst.Length;
        if (packed.Length < (count + 1) / 2)
            throw new ArgumentException($"packed needs {(count + 1) / 2} bytes for {count} values, has {packed.Length}", nameof(packed));
        if (table.Length != 16)
            throw new ArgumentException("a 4-bit table has 16 entries", nameof(table));
        // table[c] * absmax for the 16 codes once per block: the same fp32 products, 16
        // multiplies instead of one per value.
        Span<float> scaled = stackalloc float[16];
        for (int c = 0; c < 16; c++) scaled[c] = table[c] * absmax;
        int pairs = count / 2;
        for (int k = 0; k < pairs; k++)
        {
            byte b = packed[k];
            dst[2 * k] = scaled[b >> 4];
            dst[2 * k + 1] = scaled[b & 15];
        }
        if ((count & 1) != 0) dst[count - 1] = scaled[packed[pairs] >> 4];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Clamp(float x) => x < -1f ? -1f : x > 1f ? 1f : x;   // NaN stays NaN
}

/// <summary>
/// bitsandbytes' 8-bit blockwise quantization with a 256-entry code (quantize_blockwise /
/// dequantize_blockwise): absmax[b] = max |x| over block b; code = nearest entry of
/// map to x * (1 / absmax[b]) by <see cref="QuantizationTables.QuantizeDynamic"/>;
/// x' = map[code] * absmax[b]. Used for double quantization (B = 256) and later for 8-bit
/// optimizer states.
/// </summary>
public static class Blockwise8Bit
{
    public static void Quantize(ReadOnlySpan<float> values, ReadOnlySpan<float> map, int blockSize, Span<byte> codes, Span<float> absmax)
    {
        if (map.Length != 256) throw new ArgumentException("an 8-bit map has 256 entries", nameof(map));
        if (blockSize <= 0) throw new ArgumentOutOfRangeException(nameof(blockSize));
        int blocks = (values.Length + blockSize - 1) / blockSize;
        if (codes.Length != values.Length) throw new ArgumentException($"codes needs {values.Length} entries, has {codes.Length}", nameof(codes));
        if (absmax.Length != blocks) throw new ArgumentException($"absmax needs {blocks} entries, has {absmax.Length}", nameof(absmax));
        for (int b = 0; b < blocks; b++)
        {
            int start = b * blockSize, end = Math.Min(start + blockSize, values.Length);
            float m = 0f;
            for (int i = start; i < end; i++)
            {
                float a = MathF.Abs(values[i]);
                if (a > m) m = a;
            }
            absmax[b] = m;
            float scale = 1f / m;
            for (int i = start; i < end; i++) codes[i] = QuantizationTables.QuantizeDynamic(map, values[i] * scale);
        }
    }

    public static void Dequantize(ReadOnlySpan<byte> codes, ReadOnlySpan<float> map, int blockSize, ReadOnlySpan<float> absmax, Span<float> destination)
    {
        if (map.Length != 256) throw new ArgumentException("an 8-bit map has 256 entries", nameof(map));
        if (destination.Length != codes.Length) throw new ArgumentException("destination and codes differ in length", nameof(destination));
        for (int i = 0; i < codes.Length; i++) destination[i] = map[codes[i]] * absmax[i / blockSize];
    }
}
