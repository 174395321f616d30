using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

using ShawBot.Engine.Kernels;

namespace ShawBot.Engine.Model;

/// <summary>
/// The int8 GEMM for prefill (m ≥ <see cref="MinRows"/>) on AVX-VNNI: y [m, Rows] (+)= x · Wᵀ.
/// The row kernels re-derive the weights for every activation row (the sign trick ties each lookup to
/// one row's signs); here each weight is decoded once per block of activation rows and then used by all of them:
///   1. Decode a panel of 4 weight rows × Cols to int8 (VPSHUFB on T, 32 codes per instruction) in the
///      block order the activations use (<see cref="Int8Activations.GemmU8"/>: per 64-block the even
///      columns, then the odd ones), with per block −128·Σ w (the zero-point correction below).
///   2. For each tile of 32 activation rows (24 or 16 for the rest): VPDPBUSD(u8 x + 128, s8 w) accumulates 4 products per int32 lane,
///      lanes = 8 activation rows, one accumulator per (8 rows, weight row). Since
///      Σ (q + 128)·w = Σ q·w + 128·Σ w, starting each block's accumulators at −128·Σ w leaves Σ q·w
///      exactly (|Σ| ≤ 64·255·127 &lt; 2³¹). Then per block: fp32 += float(Σ q·w) · Scale_x · absmax.
/// The integer sums equal the row kernels' (<see cref="MatMul4BitInt8Reference"/>); only the fp32
/// accumulation order differs. Weight panels are split over the workers in fixed ranges.
/// </summary>
internal static unsafe class MatMul4BitInt8Gemm
{
    /// <summary>Fewer activation rows than this run the row kernels (decode, short prompts).</summary>
    public const int MinRows = 8;
    private const int NR = 4;          // weight rows per panel
    private const int MBlock = 128;    // activation rows per panel decode (32 per micro-tile; 24 and 16 for the rest)

    public static bool IsSupported => KernelModes.HasInt8GemmInstructions;

    private struct Args
    {
        public Weights4BitInt8 W;
        public Int8Activations X;
        public float* Y; public int Ldy;
        public bool Accumulate; public int Parts;
    }

    public static void Forward(in Weights4BitInt8 w, Int8Activations x, float* y, int ldy, bool accumulate)
    {
        if (!IsSupported) throw new PlatformNotSupportedException("the int8 GEMM needs AVX-VNNI, AVX2 and FMA");
        if (!x.HasGemmLayout) throw new InvalidOperationException($"activations of {x.Rows} rows were quantized without the GEMM layout (needs ≥ {MinRows} rows)");
        var args = new Args { W = w, X = x, Y = y, Ldy = ldy, Accumulate = accumulate };
        args.Parts = Math.Min(WorkerPool.Concurrency, Math.Max(1, w.Rows / NR));
        WorkerPool.Run(args.Parts, &Part, Unsafe.AsPointer(ref args));
    }

    [SkipLocalsInit]
    private static void Part(int part, void* state)
    {
        ref Args a = ref Unsafe.AsRef<Args>(state);
        int cols = a.W.Cols, blocks = cols >> 6;
        int panels = (a.W.Rows + NR - 1) / NR;
        int p0 = (int)((long)panels * part / a.Parts), p1 = (int)((long)panels * (part + 1) / a.Parts);
        sbyte* wd = stackalloc sbyte[NR * cols + 64];
        wd = (sbyte*)(((nint)wd + 63) & ~(nint)63);
        int* negSum = stackalloc int[NR * blocks];
        float* ws = stackalloc float[NR * blocks];
        var x = a.X;
        int mPad = x.GemmRows;
        for (int i0 = 0; i0 < mPad; i0 += MBlock)
        {
            int i1 = Math.Min(mPad, i0 + MBlock);
            for (int pn = p0; pn < p1; pn++)
            {
                int r = pn * NR, rows = Math.Min(NR, a.W.Rows - r);
                DecodePanel(a.W, r, rows, wd, negSum, ws);
                int i = i0;
                for (; i + 32 <= i1; i += 32)
                    Tile32(x, i, Math.Min(32, x.Rows - i), cols, blocks, wd, negSum, ws, a.Y + (long)i * a.Ldy + r, a.Ldy, rows, a.Accumulate);
                for (; i + 24 <= i1; i += 24)
                    Tile24(x, i, Math.Min(24, x.Rows - i), cols, blocks, wd, negSum, ws, a.Y + (long)i * a.Ldy + r, a.Ldy, rows, a.Accumulate);
                for (; i < i1; i += 16)
                    Tile(x, i, Math.Min(16, x.Rows - i), cols, blocks, wd, negSum, ws, a.Y + (long)i * a.Ldy + r, a.Ldy, rows, a.Accumulate);
            }
        }
    }

    /// <summary>Rows r … r + rows − 1 decoded to int8 (T·127 codes), each 64-block as [even columns | odd columns]; a missing row is zeros.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DecodePanel(in Weights4BitInt8 w, int r, int rows, sbyte* wd, int* negSum, float* ws)
    {
        int cols = w.Cols, blocks = cols >> 6;
        var table = Vector256.Create(Vector128.Load(w.Table), Vector128.Load(w.Table));
        var low4 = Vector256.Create((byte)0x0F);
        var ones = Vector256.Create((byte)1);
        for (int j = 0; j < NR; j++)
        {
            sbyte* d = wd + (long)j * cols;
            if (j >= rows)
            {
                new Span<sbyte>(d, cols).Clear();
                new Span<int>(negSum + j * blocks, blocks).Clear();
                new Span<float>(ws + j * blocks, blocks).Clear();
                continue;
            }
            byte* p = w.Packed + (long)(r + j) * (cols >> 1);
            long wb = (long)(r + j) * blocks;
            for (int b = 0; b < blocks; b++, p += 32, d += 64)
            {
                var v = Vector256.Load(p);
                var hi = Avx2.Shuffle(table, (Avx2.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & low4).AsSByte());
                var lo = Avx2.Shuffle(table, (v & low4).AsSByte());
                hi.Store(d); lo.Store(d + 32);
                var s = AvxVnni.MultiplyWideningAndAdd(AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, ones, hi), ones, lo);
                negSum[j * blocks + b] = -128 * Vector256.Sum(s);
                ws[j * blocks + b] = w.Scale(wb + b);
            }
        }
    }

    /// <summary>16 activation rows (two groups of 8; rows ≥ valid are padding and not stored) × the panel's 4 weight rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void Tile(Int8Activations x, int i, int valid, int cols, int blocks, sbyte* wd, int* negSum, float* ws,
        float* y, int ldy, int rows, bool accumulate)
    {
        long groupBytes = (long)cols * 8;
        byte* a0 = x.GemmU8 + (long)(i >> 3) * groupBytes, a1 = a0 + groupBytes;
        float* xs0 = x.GemmScale + (long)(i >> 3) * blocks * 8, xs1 = xs0 + blocks * 8;
        sbyte* w0 = wd, w1 = wd + cols, w2 = wd + 2 * cols, w3 = wd + 3 * cols;
        Vector256<float> f00 = default, f01 = default, f02 = default, f03 = default;
        Vector256<float> f10 = default, f11 = default, f12 = default, f13 = default;
        for (int b = 0; b < blocks; b++)
        {
            var i00 = Vector256.Create(negSum[b]); var i01 = Vector256.Create(negSum[blocks + b]);
            var i02 = Vector256.Create(negSum[2 * blocks + b]); var i03 = Vector256.Create(negSum[3 * blocks + b]);
            Vector256<int> i10 = i00, i11 = i01, i12 = i02, i13 = i03;
            int c0 = b << 6;
            byte* pa0 = a0 + ((long)c0 << 3), pa1 = a1 + ((long)c0 << 3);
            for (int k = 0; k < 64; k += 4, pa0 += 32, pa1 += 32)
            {
                var va0 = Vector256.Load(pa0); var va1 = Vector256.Load(pa1);
                var wb = Vector256.Create(*(int*)(w0 + c0 + k)).AsSByte();
                i00 = AvxVnni.MultiplyWideningAndAdd(i00, va0, wb); i10 = AvxVnni.MultiplyWideningAndAdd(i10, va1, wb);
                wb = Vector256.Create(*(int*)(w1 + c0 + k)).AsSByte();
                i01 = AvxVnni.MultiplyWideningAndAdd(i01, va0, wb); i11 = AvxVnni.MultiplyWideningAndAdd(i11, va1, wb);
                wb = Vector256.Create(*(int*)(w2 + c0 + k)).AsSByte();
                i02 = AvxVnni.MultiplyWideningAndAdd(i02, va0, wb); i12 = AvxVnni.MultiplyWideningAndAdd(i12, va1, wb);
                wb = Vector256.Create(*(int*)(w3 + c0 + k)).AsSByte();
                i03 = AvxVnni.MultiplyWideningAndAdd(i03, va0, wb); i13 = AvxVnni.MultiplyWideningAndAdd(i13, va1, wb);
            }
            var s0 = Vector256.Load(xs0 + b * 8); var s1 = Vector256.Load(xs1 + b * 8);
            var c = Vector256.Create(ws[b]);
            f00 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i00), s0 * c, f00); f10 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i10), s1 * c, f10);
            c = Vector256.Create(ws[blocks + b]);
            f01 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i01), s0 * c, f01); f11 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i11), s1 * c, f11);
            c = Vector256.Create(ws[2 * blocks + b]);
            f02 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i02), s0 * c, f02); f12 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i12), s1 * c, f12);
            c = Vector256.Create(ws[3 * blocks + b]);
            f03 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i03), s0 * c, f03); f13 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i13), s1 * c, f13);
        }
        float* t = stackalloc float[8 * 8];
        f00.Store(t); f01.Store(t + 8); f02.Store(t + 16); f03.Store(t + 24);
        f10.Store(t + 32); f11.Store(t + 40); f12.Store(t + 48); f13.Store(t + 56);
        for (int v = 0; v < valid; v++)
        {
            float* yr = y + (long)v * ldy;
            float* tv = t + (v >> 3) * 32 + (v & 7);
            for (int j = 0; j < rows; j++) yr[j] = accumulate ? yr[j] + tv[j * 8] : tv[j * 8];
        }
    }

    /// <summary>
    /// 24 activation rows (three groups of 8) × the panel's 4 weight rows: 12 int32 and 12 fp32 accumulators
    /// stay in registers (the JIT encodes VPDPBUSD with EVEX and uses ymm16–31), 12 VPDPBUSD per 3 loads and
    /// 4 broadcasts. Rows ≥ valid are padding and not stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void Tile24(Int8Activations x, int i, int valid, int cols, int blocks, sbyte* wd, int* negSum, float* ws,
        float* y, int ldy, int rows, bool accumulate)
    {
        long groupBytes = (long)cols * 8;
        byte* a0 = x.GemmU8 + (long)(i >> 3) * groupBytes;
        float* xs0 = x.GemmScale + (long)(i >> 3) * blocks * 8;
        int xsStride = blocks * 8;
        // fp32 sums in memory (L1): in registers they push the int32 accumulators into ymm16–31, which the JIT then
        // copies through ymm0–15 around every VPDPBUSD.
        float* t = stackalloc float[12 * 8];
        new Span<float>(t, 12 * 8).Clear();
        for (int b = 0; b < blocks; b++)
        {
            int* ns = negSum + b;
            var i00 = Vector256.Create(ns[0]); var i01 = Vector256.Create(ns[blocks]); var i02 = Vector256.Create(ns[2 * blocks]); var i03 = Vector256.Create(ns[3 * blocks]);
            var i10 = Vector256.Create(ns[0]); var i11 = Vector256.Create(ns[blocks]); var i12 = Vector256.Create(ns[2 * blocks]); var i13 = Vector256.Create(ns[3 * blocks]);
            var i20 = Vector256.Create(ns[0]); var i21 = Vector256.Create(ns[blocks]); var i22 = Vector256.Create(ns[2 * blocks]); var i23 = Vector256.Create(ns[3 * blocks]);
            byte* pa = a0 + ((long)b << 9);
            sbyte* pw = wd + (b << 6);
            for (int k = 0; k < 16; k++, pa += 32, pw += 4)
            {
                var va0 = Vector256.Load(pa); var va1 = Vector256.Load(pa + groupBytes); var va2 = Vector256.Load(pa + 2 * groupBytes);
                var wb = Vector256.Create(*(int*)pw).AsSByte();
                i00 = AvxVnni.MultiplyWideningAndAdd(i00, va0, wb); i10 = AvxVnni.MultiplyWideningAndAdd(i10, va1, wb); i20 = AvxVnni.MultiplyWideningAndAdd(i20, va2, wb);
                wb = Vector256.Create(*(int*)(pw + cols)).AsSByte();
                i01 = AvxVnni.MultiplyWideningAndAdd(i01, va0, wb); i11 = AvxVnni.MultiplyWideningAndAdd(i11, va1, wb); i21 = AvxVnni.MultiplyWideningAndAdd(i21, va2, wb);
                wb = Vector256.Create(*(int*)(pw + 2 * cols)).AsSByte();
                i02 = AvxVnni.MultiplyWideningAndAdd(i02, va0, wb); i12 = AvxVnni.MultiplyWideningAndAdd(i12, va1, wb); i22 = AvxVnni.MultiplyWideningAndAdd(i22, va2, wb);
                wb = Vector256.Create(*(int*)(pw + 3 * cols)).AsSByte();
                i03 = AvxVnni.MultiplyWideningAndAdd(i03, va0, wb); i13 = AvxVnni.MultiplyWideningAndAdd(i13, va1, wb); i23 = AvxVnni.MultiplyWideningAndAdd(i23, va2, wb);
            }
            float* xb = xs0 + b * 8;
            var s0 = Vector256.Load(xb); var s1 = Vector256.Load(xb + xsStride); var s2 = Vector256.Load(xb + 2 * xsStride);
            var c = Vector256.Create(ws[b]);
            Fma.MultiplyAdd(Avx.ConvertToVector256Single(i00), s0 * c, Vector256.Load(t + 0)).Store(t + 0); Fma.MultiplyAdd(Avx.ConvertToVector256Single(i10), s1 * c, Vector256.Load(t + 32)).Store(t + 32); Fma.MultiplyAdd(Avx.ConvertToVector256Single(i20), s2 * c, Vector256.Load(t + 64)).Store(t + 64);
            c = Vector256.Create(ws[blocks + b]);
            Fma.MultiplyAdd(Avx.ConvertToVector256Single(i01), s0 * c, Vector256.Load(t + 8)).Store(t + 8); Fma.MultiplyAdd(Avx.ConvertToVector256Single(i11), s1 * c, Vector256.Load(t + 40)).Store(t + 40); Fma.MultiplyAdd(Avx.ConvertToVector256Single(i21), s2 * c, Vector256.Load(t + 72)).Store(t + 72);
            c = Vector256.Create(ws[2 * blocks + b]);
            Fma.MultiplyAdd(Avx.ConvertToVector256Single(i02), s0 * c, Vector256.Load(t + 16)).Store(t + 16); Fma.MultiplyAdd(Avx.ConvertToVector256Single(i12), s1 * c, Vector256.Load(t + 48)).Store(t + 48); Fma.MultiplyAdd(Avx.ConvertToVector256Single(i22), s2 * c, Vector256.Load(t + 80)).Store(t + 80);
            c = Vector256.Create(ws[3 * blocks + b]);
            Fma.MultiplyAdd(Avx.ConvertToVector256Single(i03), s0 * c, Vector256.Load(t + 24)).Store(t + 24); Fma.MultiplyAdd(Avx.ConvertToVector256Single(i13), s1 * c, Vector256.Load(t + 56)).Store(t + 56); Fma.MultiplyAdd(Avx.ConvertToVector256Single(i23), s2 * c, Vector256.Load(t + 88)).Store(t + 88);
        }
        for (int v = 0; v < valid; v++)
        {
            float* yr = y + (long)v * ldy;
            float* tv = t + (v >> 3) * 32 + (v & 7);
            for (int j = 0; j < rows; j++) yr[j] = accumulate ? yr[j] + tv[j * 8] : tv[j * 8];
        }
    }

    /// <summary>
    /// 32 activation rows (four groups of 8) × the panel's 4 weight rows: 16 int32 accumulators, 16 VPDPBUSD per
    /// 4 loads and 4 broadcasts (Tile24: 12 per 3 and 4). Prompts of 128 and 512 tokens are whole tiles of 32,
    /// where 24-row tiles left 8 rows for a 16-row tile of which half is padding. Rows ≥ valid are not stored.
    /// 16 is as many accumulators as fit: the JIT keeps VPDPBUSD's accumulator in ymm0–15 (one in ymm16–31 is
    /// copied through ymm0–15 around every VPDPBUSD), so the fp32 sums stay in an L1 tile, not in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void Tile32(Int8Activations x, int i, int valid, int cols, int blocks, sbyte* wd, int* negSum, float* ws,
        float* y, int ldy, int rows, bool accumulate)
    {
        long groupBytes = (long)cols * 8;
        byte* a0 = x.GemmU8 + (long)(i >> 3) * groupBytes;
        float* xs0 = x.GemmScale + (long)(i >> 3) * blocks * 8;
        int xsStride = blocks * 8;
        float* t = stackalloc float[16 * 8];
        new Span<float>(t, 16 * 8).Clear();
        for (int b = 0; b < blocks; b++)
        {
            int* ns = negSum + b;
            var i00 = Vector256.Create(ns[0]); var i01 = Vector256.Create(ns[blocks]); var i02 = Vector256.Create(ns[2 * blocks]); var i03 = Vector256.Create(ns[3 * blocks]);
            Vector256<int> i10 = i00, i11 = i01, i12 = i02, i13 = i03;
            Vector256<int> i20 = i00, i21 = i01, i22 = i02, i23 = i03;
            Vector256<int> i30 = i00, i31 = i01, i32 = i02, i33 = i03;
            byte* pa = a0 + ((long)b << 9);
            sbyte* pw = wd + (b << 6);
            for (int k = 0; k < 16; k++, pa += 32, pw += 4)
            {
                var va0 = Vector256.Load(pa); var va1 = Vector256.Load(pa + groupBytes);
                var va2 = Vector256.Load(pa + 2 * groupBytes); var va3 = Vector256.Load(pa + 3 * groupBytes);
                var wb = Vector256.Create(*(int*)pw).AsSByte();
                i00 = AvxVnni.MultiplyWideningAndAdd(i00, va0, wb); i10 = AvxVnni.MultiplyWideningAndAdd(i10, va1, wb);
                i20 = AvxVnni.MultiplyWideningAndAdd(i20, va2, wb); i30 = AvxVnni.MultiplyWideningAndAdd(i30, va3, wb);
                wb = Vector256.Create(*(int*)(pw + cols)).AsSByte();
                i01 = AvxVnni.MultiplyWideningAndAdd(i01, va0, wb); i11 = AvxVnni.MultiplyWideningAndAdd(i11, va1, wb);
                i21 = AvxVnni.MultiplyWideningAndAdd(i21, va2, wb); i31 = AvxVnni.MultiplyWideningAndAdd(i31, va3, wb);
                wb = Vector256.Create(*(int*)(pw + 2 * cols)).AsSByte();
                i02 = AvxVnni.MultiplyWideningAndAdd(i02, va0, wb); i12 = AvxVnni.MultiplyWideningAndAdd(i12, va1, wb);
                i22 = AvxVnni.MultiplyWideningAndAdd(i22, va2, wb); i32 = AvxVnni.MultiplyWideningAndAdd(i32, va3, wb);
                wb = Vector256.Create(*(int*)(pw + 3 * cols)).AsSByte();
                i03 = AvxVnni.MultiplyWideningAndAdd(i03, va0, wb); i13 = AvxVnni.MultiplyWideningAndAdd(i13, va1, wb);
                i23 = AvxVnni.MultiplyWideningAndAdd(i23, va2, wb); i33 = AvxVnni.MultiplyWideningAndAdd(i33, va3, wb);
            }
            float* xb = xs0 + b * 8;
            var s0 = Vector256.Load(xb); var s1 = Vector256.Load(xb + xsStride);
            var s2 = Vector256.Load(xb + 2 * xsStride); var s3 = Vector256.Load(xb + 3 * xsStride);
            // t: [group g][weight row j][8] at (g * 4 + j) * 8.
            var c = Vector256.Create(ws[b]);
            Accumulate(t + 0, i00, s0 * c); Accumulate(t + 32, i10, s1 * c); Accumulate(t + 64, i20, s2 * c); Accumulate(t + 96, i30, s3 * c);
            c = Vector256.Create(ws[blocks + b]);
            Accumulate(t + 8, i01, s0 * c); Accumulate(t + 40, i11, s1 * c); Accumulate(t + 72, i21, s2 * c); Accumulate(t + 104, i31, s3 * c);
            c = Vector256.Create(ws[2 * blocks + b]);
            Accumulate(t + 16, i02, s0 * c); Accumulate(t + 48, i12, s1 * c); Accumulate(t + 80, i22, s2 * c); Accumulate(t + 112, i32, s3 * c);
            c = Vector256.Create(ws[3 * blocks + b]);
            Accumulate(t + 24, i03, s0 * c); Accumulate(t + 56, i13, s1 * c); Accumulate(t + 88, i23, s2 * c); Accumulate(t + 120, i33, s3 * c);
        }
        for (int v = 0; v < valid; v++)
        {
            float* yr = y + (long)v * ldy;
            float* tv = t + (v >> 3) * 32 + (v & 7);
            for (int j = 0; j < rows; j++) yr[j] = accumulate ? yr[j] + tv[j * 8] : tv[j * 8];
        }
    }

    /// <summary>t[0..8) += float(sums) · scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(float* t, Vector256<int> sums, Vector256<float> scale) =>
        Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums), scale, Vector256.Load(t)).Store(t);
}
