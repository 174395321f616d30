using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

using ShawBot.Engine.Kernels;

namespace ShawBot.Engine.Model;

/// <summary>
/// Rows of activations x [m, Cols] quantized to int8 per block of 64 (llama.cpp's Q8_0 with 64-blocks,
/// matching the 4-bit weights' blocks), in the order the int8 kernels meet the weight nibbles:
///   dx_b = max|x| over block b / 127,  q_i = round(x_i / dx_b) ∈ [-127, 127],  x_i ≈ q_i · dx_b.
/// Per 128 values (two blocks, 64 packed weight bytes) position j &lt; 64 holds value 2j (the high
/// nibbles) and 64 + j holds value 2j + 1 (the low nibbles); a last lone block (Cols % 128 == 64) holds
/// its value 2j at j and 2j + 1 at 32 + j (<see cref="Offsets"/>). Three byte planes, [m, Cols] each:
///   Abs       |q|                         unsigned operand of VPMADDUBSW
///   SignIndex 16 where q &lt; 0 else 0       ORed into the nibble: VPERMB then picks −code (see MatMul4BitInt8)
///   Signed    q                           the AVX2 kernel's VPSIGNB operand and the scalar reference
/// and Scale [m, Cols/64] = dx_b / 127 (the /127 undoes the weights' int8 codebook, code·127).
/// With m ≥ <see cref="MatMul4BitInt8Gemm.MinRows"/> on a VNNI CPU also the GEMM layout, rows padded to
/// <see cref="GemmRows"/> (a multiple of 8) plus 8 (padding u8 128, scale 0, so it adds exactly nothing):
///   GemmU8    [GemmRows/8][Cols/4][8][4]  q + 128 as u8; 4 consecutive values of 8 rows per 32 bytes
///             (VPDPBUSD's operand), each 64-block's values in the order [2k for k &lt; 32 | 2k + 1]
///   GemmScale [GemmRows/8][Cols/64][8]    Scale for the 8 rows of a group, per block
/// </summary>
/// Quantized once per input row and read by every matrix that takes that input (q/k/v, gate/up).
/// Buffers grow on demand and are then reused; one instance per session (not thread-safe).
public sealed unsafe class Int8Activations : IDisposable
{
    public const int Block = 64;
    private byte* _abs, _signIndex;
    private sbyte* _signed;
    private float* _scale;
    private long _capacity;     // values per plane
    private byte* _gemmU8;
    private float* _gemmScale;
    private long _gemmCapacity; // values in the GEMM plane

    public int Rows { get; private set; }
    public int Cols { get; private set; }

    internal byte* Abs => _abs;
    internal byte* SignIndex => _signIndex;
    internal sbyte* Signed => _signed;
    internal float* Scale => _scale;
    internal byte* GemmU8 => _gemmU8;
    internal float* GemmScale => _gemmScale;

    /// <summary>Whether the last <see cref="Quantize"/> also wrote the GEMM layout.</summary>
    public bool HasGemmLayout { get; private set; }

    /// <summary>Rows in the GEMM layout: <see cref="Rows"/> rounded up to 8 (the buffer holds 8 more padding rows).</summary>
    public int GemmRows { get; private set; }

    /// <summary>Whether rows of this length can be quantized (and the int8 kernels run them): whole 64-blocks.</summary>
    public static bool Supports(int cols) => cols > 0 && cols % Block == 0;

    /// <summary>Where block b's even values (hi + k holds value 2k) and odd values (lo + k holds 2k + 1) sit in a row of cols.</summary>
    internal static (int Hi, int Lo) Offsets(int b, int cols)
    {
        int c0 = b * Block;
        if (c0 + Block == cols && (cols & 127) != 0) return (c0, c0 + 32);   // the lone last block
        int hi = (c0 & ~127) + ((b & 1) << 5);
        return (hi, hi + 64);
    }

    /// <summary>Quantizes x [m, cols] (row stride ldx), replacing what was held.</summary>
    public void Quantize(ReadOnlySpan<float> x, int m, int cols, int ldx)
    {
        if (!Supports(cols)) throw new ArgumentException($"int8 activations need a row length that is a positive multiple of 64, got {cols}", nameof(cols));
        MatMul.CheckShapes(x.Length, m, ldx, cols, (long)m * cols, cols, cols);
        Ensure((long)m * cols);
        Rows = m; Cols = cols;
        HasGemmLayout = m >= MatMul4BitInt8Gemm.MinRows && MatMul4BitInt8Gemm.IsSupported;
        GemmRows = HasGemmLayout ? (m + 7) & ~7 : 0;
        // One more group of 8 padding rows: a 16-row tile that starts 8 rows before the end reads it.
        if (HasGemmLayout) EnsureGemm((long)(GemmRows + 8) * cols);
        fixed (float* px = x)
            for (int i = 0; i < m; i++)
            {
                QuantizeRow(px + (long)i * ldx, cols, (long)i * cols);
                if (HasGemmLayout) GemmRow(i, cols);
            }
        if (HasGemmLayout) for (int i = m; i < GemmRows + 8; i++) GemmPadRow(i, cols);
    }

    /// <summary>Row i of the kernel-order planes into the GEMM layout (q + 128 = q ^ 0x80 as a byte).</summary>
    private void GemmRow(int i, int cols)
    {
        int blocks = cols / Block;
        sbyte* q = _signed + (long)i * cols;
        byte* group = _gemmU8 + (long)(i >> 3) * cols * 8 + (i & 7) * 4;
        float* gs = _gemmScale + (long)(i >> 3) * blocks * 8 + (i & 7);
        for (int b = 0; b < blocks; b++)
        {
            (int hi, int lo) = Offsets(b, cols);
            uint* dst = (uint*)(group + (long)b * Block * 8);
            for (int k = 0; k < 8; k++) dst[k * 8] = *(uint*)(q + hi + 4 * k) ^ 0x80808080u;
            for (int k = 0; k < 8; k++) dst[(8 + k) * 8] = *(uint*)(q + lo + 4 * k) ^ 0x80808080u;
            gs[b * 8] = _scale[(long)i * blocks + b];
        }
    }

    private void GemmPadRow(int i, int cols)
    {
        int blocks = cols / Block;
        byte* group = _gemmU8 + (long)(i >> 3) * cols * 8 + (i & 7) * 4;
        float* gs = _gemmScale + (long)(i >> 3) * blocks * 8 + (i & 7);
        for (int w = 0; w < cols / 4; w++) *(uint*)(group + (long)w * 32) = 0x80808080u;
        for (int b = 0; b < blocks; b++) gs[b * 8] = 0f;
    }

    private void QuantizeRow(float* x, int cols, long offset)
    {
        byte* abs = _abs + offset, sidx = _signIndex + offset;
        sbyte* sgn = _signed + offset;
        float* scale = _scale + offset / Block;
        for (int b = 0; b < cols / Block; b++)
            {
                float* xb = x + b * Block;
                float amax = AbsMax64(xb);
                float inv = amax > 0 ? 127f / amax : 0f;
                scale[b] = amax / 127f / 127f;
                (int hi, int lo) = Offsets(b, cols);   // value 2k of the block → hi + k, value 2k + 1 → lo + k
                if (Avx512F.IsSupported) QuantizeBlockAvx512(xb, inv, sgn, abs, sidx, hi, lo);
                else
                    for (int k = 0; k < Block; k++)
                    {
                        int q = (int)MathF.Round(xb[k] * inv, MidpointRounding.ToEven);
                        int pos = (k & 1) == 0 ? hi + (k >> 1) : lo + (k >> 1);
                        sgn[pos] = (sbyte)q;
                        abs[pos] = (byte)Math.Abs(q);
                        sidx[pos] = (byte)(q < 0 ? 16 : 0);
                    }
            }
    }

    // Even bytes to the low 8, odd bytes to the high 8 (PSHUFB index).
    private static Vector128<byte> EvenOdd => Vector128.Create((byte)0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);

    /// <summary>The scalar loop's values, 16 at a time: VCVTPS2DQ rounds to nearest even as MathF.Round does; |q| ≤ 127 so VPMOVDB's truncation is exact.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuantizeBlockAvx512(float* xb, float inv, sbyte* sgn, byte* abs, byte* sidx, int hi, int lo)
    {
        var scale = Vector512.Create(inv);
        var sixteen = Vector128.Create((sbyte)16);
        for (int k = 0; k < Block; k += 16)
        {
            var q32 = Avx512F.ConvertToVector512Int32(Vector512.Load(xb + k) * scale);
            var q = Ssse3.Shuffle(Avx512F.ConvertToVector128SByte(q32).AsByte(), EvenOdd).AsSByte();
            var a = Vector128.Abs(q).AsByte();
            var s = (Vector128.LessThan(q, Vector128<sbyte>.Zero) & sixteen).AsByte();
            int e = k >> 1;
            *(ulong*)(sgn + hi + e) = q.AsUInt64()[0]; *(ulong*)(sgn + lo + e) = q.AsUInt64()[1];
            *(ulong*)(abs + hi + e) = a.AsUInt64()[0]; *(ulong*)(abs + lo + e) = a.AsUInt64()[1];
            *(ulong*)(sidx + hi + e) = s.AsUInt64()[0]; *(ulong*)(sidx + lo + e) = s.AsUInt64()[1];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float AbsMax64(float* x)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            var m = Vector256<float>.Zero;
            for (int k = 0; k < Block; k += 8) m = Vector256.Max(m, Vector256.Abs(Vector256.Load(x + k)));
            return Math.Max(Math.Max(Math.Max(m[0], m[1]), Math.Max(m[2], m[3])), Math.Max(Math.Max(m[4], m[5]), Math.Max(m[6], m[7])));
        }
        float a = 0;
        for (int k = 0; k < Block; k++) a = Math.Max(a, Math.Abs(x[k]));
        return a;
    }

    /// <summary>Value i (natural order) of row r as q·dx (tests: what the kernels actually multiply).</summary>
    public float Dequantized(int r, int i)
    {
        (int hi, int lo) = Offsets(i / Block, Cols);
        int k = i % Block;
        long pos = (long)r * Cols + ((k & 1) == 0 ? hi : lo) + (k >> 1);
        return _signed[pos] * _scale[((long)r * Cols + i) / Block] * 127f;
    }

    private void Ensure(long values)
    {
        if (values <= _capacity) return;
        Free();
        _abs = (byte*)NativeMemory.AlignedAlloc((nuint)values, 64);
        _signIndex = (byte*)NativeMemory.AlignedAlloc((nuint)values, 64);
        _signed = (sbyte*)NativeMemory.AlignedAlloc((nuint)values, 64);
        _scale = (float*)NativeMemory.AlignedAlloc((nuint)(values / Block + 16) * sizeof(float), 64);
        _capacity = values;
    }

    private void EnsureGemm(long values)
    {
        if (values <= _gemmCapacity) return;
        FreeGemm();
        _gemmU8 = (byte*)NativeMemory.AlignedAlloc((nuint)values, 64);
        _gemmScale = (float*)NativeMemory.AlignedAlloc((nuint)(values / Block) * sizeof(float), 64);
        _gemmCapacity = values;
    }

    private void FreeGemm()
    {
        if (_gemmU8 != null) NativeMemory.AlignedFree(_gemmU8);
        if (_gemmScale != null) NativeMemory.AlignedFree(_gemmScale);
        _gemmU8 = null; _gemmScale = null; _gemmCapacity = 0;
    }

    private void Free()
    {
        FreeGemm();
        if (_abs != null) NativeMemory.AlignedFree(_abs);
        if (_signIndex != null) NativeMemory.AlignedFree(_signIndex);
        if (_signed != null) NativeMemory.AlignedFree(_signed);
        if (_scale != null) NativeMemory.AlignedFree(_scale);
        _abs = null; _signIndex = null; _signed = null; _scale = null; _capacity = 0;
    }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    ~Int8Activations() => Free();
}
