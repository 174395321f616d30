using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

using ShawBot.Engine.Kernels;

namespace ShawBot.Engine.Model;

/// <summary>
/// A bitsandbytes 4-bit weight W [Rows, Cols] as the int8 kernels read it (64-blocks, Cols % 64 == 0):
///   Packed    byte[Rows·Cols/2]  the file's codes, unchanged (value i: byte i/2, high nibble when i is even)
///   Scales    ushort[blocks]     block absmax as BF16 (double quant decoded once; 2 bytes per 64 weights)
///   Table     sbyte[64]          [T | −T | T | −T], T[n] = round(code[n]·127): VPERMB's 64-byte table
/// W[r, c] ≈ T[nibble]/127 · absmax(b): the codebook rounding is at most 0.5/127 of the block's absmax.
/// </summary>
internal unsafe struct Weights4BitInt8
{
    public byte* Packed;
    public ushort* Scales;
    public sbyte* Table;
    public int Rows;
    public int Cols;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly float Scale(long block) => BitConverter.Int32BitsToSingle(Scales[block] << 16);
}

/// <summary>
/// y [m, Rows] (+)= x [m, Cols] · Wᵀ with x quantized to int8 (<see cref="Int8Activations"/>) and W's
/// codes looked up in an int8 codebook: per block b the integer dot Σ T·q is exact in int32, then
///   y[r] += absmax_b · Scale_x[b] · Σ_i T[nib_i] · q_i.
/// Kernels (chosen by <see cref="Select"/>, one place):
///   Vbmi  AVX-512 VBMI + BW: 128 values per step, VPERMB on the 32-entry table [T | −T] indexed by
///         nibble | 16·(q &lt; 0) gives sign(q)·T, VPMADDUBSW(|q|, sign(q)·T) → int16 pairs (|·| ≤ 2·127² &lt; 2¹⁵,
///         no saturation), VPMADDWD by ones → int32; blocks A and B land in lanes 0–7 and 8–15, so one
///         FMA with [s_A ×8 | s_B ×8] scales both. Four rows share each activation load.
///   Avx2  llama.cpp's sign trick on 256 bits: VPSHUFB on T (16 entries per lane) → W, VPMADDUBSW(|W|, sign(q, W)).
///   Scalar the reference (<see cref="MatMul4BitInt8Reference"/>).
/// m ≥ <see cref="MatMul4BitInt8Gemm.MinRows"/> on a VNNI CPU runs <see cref="MatMul4BitInt8Gemm"/> (Gemm:
/// weights decoded once per 64 activation rows); otherwise m ≥ 2 runs the same row kernels over blocks of 64 activation rows per 4-row weight tile
/// (the tile stays in L1/L2 while the activations stream from L2). Rows are split over the workers
/// in fixed ranges, so results do not depend on thread timing.
/// </summary>
internal static unsafe class MatMul4BitInt8
{
    internal enum Path { Auto, Vbmi, Avx2, Scalar, Gemm }

    private const int MBlock = 64;

    private struct Args
    {
        public Weights4BitInt8 W;
        public Int8Activations X;
        public float* Y; public int Ldy;
        public bool Accumulate; public int Parts;
        public Path Path;
    }

    /// <summary>The fastest kernel this CPU runs, or the one asked for when it can run here.</summary>
    internal static Path Select(Path asked) => asked switch
    {
        Path.Auto => Avx512Vbmi.IsSupported && Avx512BW.IsSupported && MatMul.UseAvx512 ? Path.Vbmi : MatMul.UseAvx2 ? Path.Avx2 : Path.Scalar,
        Path.Vbmi when !(Avx512Vbmi.IsSupported && Avx512BW.IsSupported) => throw new PlatformNotSupportedException("the Vbmi int8 kernel needs AVX-512 VBMI and BW"),
        Path.Gemm when !MatMul4BitInt8Gemm.IsSupported => throw new PlatformNotSupportedException("the int8 GEMM needs AVX-VNNI, AVX2 and FMA"),
        Path.Avx2 when !Avx2.IsSupported || !Fma.IsSupported => throw new PlatformNotSupportedException("the Avx2 int8 kernel needs AVX2 and FMA"),
        _ => asked,
    };

    /// <summary>y [x.Rows, W.Rows] with row stride ldy (+)= x · Wᵀ.</summary>
    public static void Forward(in Weights4BitInt8 w, Int8Activations x, float* y, int ldy, bool accumulate, Path path = Path.Auto)
    {
        if (x.Cols != w.Cols) throw new ArgumentException($"activations have {x.Cols} columns, the weight {w.Cols}", nameof(x));
        if (x.Rows == 0) return;
        if (path == Path.Gemm || (path == Path.Auto && x.HasGemmLayout))
        {
            MatMul4BitInt8Gemm.Forward(w, x, y, ldy, accumulate);
            return;
        }
        var args = new Args { W = w, X = x, Y = y, Ldy = ldy, Accumulate = accumulate, Path = Select(path) };
        args.Parts = (long)x.Rows * w.Rows * w.Cols < 1 << 16 ? 1 : Math.Min(WorkerPool.Concurrency, Math.Max(1, w.Rows / 4));
        WorkerPool.Run(args.Parts, &Part, Unsafe.AsPointer(ref args));
    }

    private static void Part(int part, void* state)
    {
        ref Args a = ref Unsafe.AsRef<Args>(state);
        // Fixed row ranges, multiples of 4 so every part but the last runs whole 4-row tiles.
        int tiles = (a.W.Rows + 3) / 4;
        int r0 = (int)((long)tiles * part / a.Parts) * 4, r1 = Math.Min(a.W.Rows, (int)((long)tiles * (part + 1) / a.Parts) * 4);
        var x = a.X;
        for (int i0 = 0; i0 < x.Rows; i0 += MBlock)
        {
            int i1 = Math.Min(x.Rows, i0 + MBlock);
            for (int r = r0; r < r1; r += 4)
            {
                int rows = Math.Min(4, r1 - r);
                for (int i = i0; i < i1; i++)
                {
                    long xo = (long)i * x.Cols;
                    float* y = a.Y + (long)i * a.Ldy + r;
                    switch (a.Path)
                    {
                        case Path.Vbmi when rows == 4:
                            RowsVbmi4(a.W, r, x.Abs + xo, x.SignIndex + xo, x.Scale + xo / Int8Activations.Block, y, a.Accumulate);
                            break;
                        case Path.Vbmi:
                            for (int k = 0; k < rows; k++) y[k] = Store(y[k], RowVbmi(a.W, r + k, x.Abs + xo, x.SignIndex + xo, x.Scale + xo / Int8Activations.Block), a.Accumulate);
                            break;
                        case Path.Avx2:
                            for (int k = 0; k < rows; k++) y[k] = Store(y[k], MatMul4BitInt8Avx2.Row(a.W, r + k, x.Signed + xo, x.Scale + xo / Int8Activations.Block), a.Accumulate);
                            break;
                        default:
                            for (int k = 0; k < rows; k++) y[k] = Store(y[k], MatMul4BitInt8Reference.Row(a.W, r + k, x.Signed + xo, x.Scale + xo / Int8Activations.Block), a.Accumulate);
                            break;
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Store(float old, float dot, bool accumulate) => accumulate ? old + dot : dot;

    /// <summary>
    /// Σ over one 128-value step of one row: hi/lo nibbles of 64 bytes → VPERMB indices (nibble | sign
    /// index of q, one ternary-logic op each: (a &amp; b) | c = 0xEA) → sign(q)·T → ×|q| → int32 lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Step(Vector512<byte> v, Vector512<sbyte> table, Vector512<byte> absHi, Vector512<byte> absLo,
        Vector512<byte> sHi, Vector512<byte> sLo)
    {
        var low4 = Vector512.Create((byte)0x0F);
        var iHi = Avx512F.TernaryLogic(Avx512BW.ShiftRightLogical(v.AsUInt16(), 4).AsByte(), low4, sHi, 0xEA);
        var iLo = Avx512F.TernaryLogic(v, low4, sLo, 0xEA);
        var wHi = Avx512Vbmi.PermuteVar64x8(table, iHi.AsSByte());
        var wLo = Avx512Vbmi.PermuteVar64x8(table, iLo.AsSByte());
        var ones = Vector512.Create((short)1);
        return Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(absHi, wHi), ones)
             + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(absLo, wLo), ones);
    }

    // Lanes 0–7 take the first scale of a pair, lanes 8–15 the second (VPERMPS index). Read into a local
    // before a loop: a static field read inside it keeps a class-initialization check (a possible call)
    // in the loop, and the JIT then spills every vector around it.
    private static Vector512<int> PairIndex => Vector512.Create(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);

    /// <summary>sc[b] = absmax(row block b) · Scale_x[b] for the row's blocks, 16 at a time (BF16 → fp32 is a 16-bit shift).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowScales(in Weights4BitInt8 w, long wb, float* xs, int blocks, float* sc)
    {
        int b = 0;
        if (Avx512F.IsSupported)
            for (; b + 16 <= blocks; b += 16)
            {
                var bits = Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512Int32(Vector256.Load(w.Scales + wb + b)), 16);
                (bits.AsSingle() * Vector512.Load(xs + b)).Store(sc + b);
            }
        for (; b < blocks; b++) sc[b] = w.Scale(wb + b) * xs[b];
    }

    /// <summary>[sc[k] ×8 | sc[k + 1] ×8]: one VPERMPS on 16 floats loaded from sc + k (sc is padded by 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pair(float* sc, Vector512<int> pairIndex) => Avx512F.PermuteVar16x32(Vector512.Load(sc), pairIndex);

    /// <summary>One row: y = Σ_steps FMA(float(int32 lanes), pair scales).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    internal static float RowVbmi(in Weights4BitInt8 w, int r, byte* abs, byte* sidx, float* xs)
    {
        var table = Vector512.Load(w.Table);
        var pairIndex = PairIndex;
        int cols = w.Cols, blocks = cols >> 6;
        byte* p = w.Packed + (long)r * (cols >> 1);
        float* sc = stackalloc float[blocks + 16];
        RowScales(w, (long)r * blocks, xs, blocks, sc);
        var acc = Vector512<float>.Zero;
        for (int c = 0; c + 128 <= cols; c += 128, p += 64)
        {
            var d = Step(Vector512.Load(p), table, Vector512.Load(abs + c), Vector512.Load(abs + c + 64),
                Vector512.Load(sidx + c), Vector512.Load(sidx + c + 64));
            acc = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(d), Pair(sc + (c >> 6), pairIndex), acc);
        }
        float sum = Vector512.Sum(acc);
        return (cols & 127) != 0 ? sum + Tail(p, w.Table, abs, sidx, cols - 64, sc[blocks - 1]) : sum;
    }

    /// <summary>
    /// The lone last block of a row with Cols % 128 == 64 (its values 2k at c + k, 2k + 1 at c + 32 + k): the same
    /// steps on 256 bits, VPERMB on the 32-entry [T | −T]; the int32 lanes are summed exactly, then scaled once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Tail(byte* p, sbyte* table, byte* abs, byte* sidx, int c, float scale)
    {
        var t = Vector256.Load((byte*)table);
        var v = Vector256.Load(p);
        var low4 = Vector256.Create((byte)0x0F);
        var wHi = Avx512Vbmi.VL.PermuteVar32x8(t, (Avx2.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & low4) | Vector256.Load(sidx + c));
        var wLo = Avx512Vbmi.VL.PermuteVar32x8(t, (v & low4) | Vector256.Load(sidx + c + 32));
        var ones = Vector256.Create((short)1);
        var i32 = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Vector256.Load(abs + c), wHi.AsSByte()), ones)
                + Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Vector256.Load(abs + c + 32), wLo.AsSByte()), ones);
        return Vector256.Sum(i32) * scale;
    }

    /// <summary>Rows r … r + 3 against one activation row: each activation load serves four weight rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    internal static void RowsVbmi4(in Weights4BitInt8 w, int r, byte* abs, byte* sidx, float* xs, float* y, bool accumulate)
    {
        var table = Vector512.Load(w.Table);
        var pairIndex = PairIndex;
        int cols = w.Cols, rowBytes = cols >> 1, blocks = cols >> 6, stride = blocks + 16;
        byte* p = w.Packed + (long)r * rowBytes;
        float* sc = stackalloc float[4 * stride];
        for (int k = 0; k < 4; k++) RowScales(w, (long)(r + k) * blocks, xs, blocks, sc + k * stride);
        Vector512<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        for (int c = 0; c + 128 <= cols; c += 128, p += 64)
        {
            var aHi = Vector512.Load(abs + c); var aLo = Vector512.Load(abs + c + 64);
            var sHi = Vector512.Load(sidx + c); var sLo = Vector512.Load(sidx + c + 64);
            float* s = sc + (c >> 6);
            // Decode streams the codes from DRAM. Four short interleaved streams (2–7 KB rows) keep the hardware
            // prefetchers from ramping up, so ask for the next tile's same 64 bytes of each row (4 rows ahead).
            byte* q = p + 4 * rowBytes;
            Sse.Prefetch0(q); Sse.Prefetch0(q + rowBytes); Sse.Prefetch0(q + 2 * rowBytes); Sse.Prefetch0(q + 3 * rowBytes);
            acc0 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Step(Vector512.Load(p), table, aHi, aLo, sHi, sLo)), Pair(s, pairIndex), acc0);
            acc1 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Step(Vector512.Load(p + rowBytes), table, aHi, aLo, sHi, sLo)), Pair(s + stride, pairIndex), acc1);
            acc2 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Step(Vector512.Load(p + 2 * rowBytes), table, aHi, aLo, sHi, sLo)), Pair(s + 2 * stride, pairIndex), acc2);
            acc3 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Step(Vector512.Load(p + 3 * rowBytes), table, aHi, aLo, sHi, sLo)), Pair(s + 3 * stride, pairIndex), acc3);
        }
        float s0 = Vector512.Sum(acc0), s1 = Vector512.Sum(acc1), s2 = Vector512.Sum(acc2), s3 = Vector512.Sum(acc3);
        if ((cols & 127) != 0)
        {
            int c = cols - 64, last = blocks - 1;
            s0 += Tail(p, w.Table, abs, sidx, c, sc[last]);
            s1 += Tail(p + rowBytes, w.Table, abs, sidx, c, sc[stride + last]);
            s2 += Tail(p + 2 * rowBytes, w.Table, abs, sidx, c, sc[2 * stride + last]);
            s3 += Tail(p + 3 * rowBytes, w.Table, abs, sidx, c, sc[3 * stride + last]);
        }
        y[0] = Store(y[0], s0, accumulate);
        y[1] = Store(y[1], s1, accumulate);
        y[2] = Store(y[2], s2, accumulate);
        y[3] = Store(y[3], s3, accumulate);
    }
}
