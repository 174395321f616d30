using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ShawBot.Engine.Kernels;

/// <summary>
/// A bitsandbytes 4-bit weight W [Rows, Cols] as the kernels read it (pointers stay valid while
/// the owner, <see cref="Quantization.Nf4Linear"/>, keeps them pinned):
///   Packed        byte[(Rows·Cols+1)/2]  flat value i = r·Cols + c in byte i/2, high nibble when i is even
///   Table         float[16]              NF4 or FP4 code → value in [-1, 1]
///   scale of block b = i >> BlockShift, either
///     Absmax      float[blocks]          plain fp32 scales (AbsmaxCodes null), or, double-quantized,
///     AbsmaxCodes byte[blocks], NestedCode float[256], NestedAbsmax float[blocks >> NestedShift], NestedOffset:
///                 NestedCode[AbsmaxCodes[b]] · NestedAbsmax[b >> NestedShift] + NestedOffset (fp32, in that
///                 order, as bitsandbytes), decoded where it is used so the kernels read 1 byte per block, not 4.
/// W[r, c] = Table[nibble(i)] · scale(b)  (one fp32 multiply, as bitsandbytes).
/// </summary>
internal unsafe struct Weights4Bit
{
    public byte* Packed;
    public float* Absmax;
    public byte* AbsmaxCodes;
    public float* NestedCode;
    public float* NestedAbsmax;
    public float NestedOffset;
    public int NestedShift;
    public float* Table;
    public int Rows;
    public int Cols;
    public int BlockShift;

    public readonly int BlockSize => 1 << BlockShift;

    public readonly bool IsDoubleQuantized => AbsmaxCodes != null;

    /// <summary>The fp32 absmax of block b, bit for bit what the reference dequantization uses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly float Scale(long block) => AbsmaxCodes == null ? Absmax[block]
        : NestedCode[AbsmaxCodes[block]] * NestedAbsmax[block >> NestedShift] + NestedOffset;

    /// <summary>The fused GEMV needs every 64-value chunk of a row inside one block.</summary>
    public readonly bool RowsAreWholeChunks => Cols % 64 == 0 && BlockShift >= 6;
}

/// <summary>
/// Y (+)= X · Wᵀ and dX (+)= dY · W for a 4-bit W, dequantizing in registers or in L1-sized tiles,
/// never the whole matrix.
///   Decode (m = 1, Cols % 64 == 0): fused GEMV (<see cref="GemvPairs"/> where AVX512BW exists,
///   else Lanes/Chunks on AVX-512F or the AVX2 kernel), rows split over the workers in fixed ranges.
///   Otherwise: a kc × 32 panel of W (or of Wᵀ for the backward) is dequantized into the
///   <see cref="PackedMatrix"/> panel layout (forward panels gathered 32 rows × 8 columns at a time)
///   and fed to <see cref="MatMul.MicroKernel"/>; the two workers take fixed halves of the panels,
///   so results do not depend on thread timing.
/// </summary>
internal static unsafe class MatMul4Bit
{
    private const int NR = PackedMatrix.PanelWidth;
    private const int KC = MatMul.KC;
    private const int MR = MatMul.MR;

    // Per thread, grown on demand and then reused (allocation only when a larger m is first seen).
    [ThreadStatic] private static float* t_aPack;      // ceil(m/MR)·MR × KC packed A tiles
    [ThreadStatic] private static int t_aPackFloats;
    [ThreadStatic] private static float* t_panel;      // KC × 32 dequantized B panel
    [ThreadStatic] private static float* t_row;        // KC floats: one dequantized row slice
    [ThreadStatic] private static float* t_xPerm;      // Cols floats: x de-interleaved for the GEMV
    [ThreadStatic] private static int t_xPermFloats;

    private struct Args
    {
        public Weights4Bit W;
        public float* X; public int M; public int Ldx;
        public float* Y; public int Ldy;
        public bool Accumulate; public bool Transposed; public int Parts;
        public GemvPath Path;
    }

    /// <summary>Which kernel computes a single-row product (decode). Auto picks the fastest the CPU and shape allow.</summary>
    internal enum GemvPath { Auto, Pairs, Lanes, Chunks, Avx2, Panels }

    /// <summary>y [m, Rows] (+)= x [m, Cols] · Wᵀ.</summary>
    public static void Forward(in Weights4Bit w, float* x, int m, int ldx, float* y, int ldy, bool accumulate)
        => Forward(w, x, m, ldx, y, ldy, accumulate, GemvPath.Auto);

    /// <summary>Whether a kernel can run this weight here: Panels always; the others need whole 64-value chunks per row and AVX-512 (Pairs: AVX512BW, 64-blocks, rows of 128s) or, for Avx2, AVX2 + FMA.</summary>
    internal static bool Supports(in Weights4Bit w, GemvPath path) => path switch
    {
        GemvPath.Pairs => w.RowsAreWholeChunks && w.Cols % 128 == 0 && w.BlockShift == 6 && MatMul.UseAvx512 && Avx512BW.IsSupported
            && (!w.IsDoubleQuantized || w.NestedShift >= 1),
        GemvPath.Lanes => w.RowsAreWholeChunks && w.Cols % 128 == 0 && w.BlockShift == 6 && MatMul.UseAvx512,
        GemvPath.Chunks => w.RowsAreWholeChunks && MatMul.UseAvx512,
        GemvPath.Avx2 => w.RowsAreWholeChunks && MatMul.UseAvx2,
        _ => true,
    };

    /// <summary>As above with the m = 1 kernel chosen by the caller (tests and benchmarks compare them).</summary>
    internal static void Forward(in Weights4Bit w, float* x, int m, int ldx, float* y, int ldy, bool accumulate, GemvPath path)
    {
        if (m == 0) return;
        var args = new Args { W = w, X = x, M = m, Ldx = ldx, Y = y, Ldy = ldy, Accumulate = accumulate };
        if (m == 1 && path == GemvPath.Auto)
            path = Supports(w, GemvPath.Pairs) ? GemvPath.Pairs : Supports(w, GemvPath.Lanes) ? GemvPath.Lanes
                : Supports(w, GemvPath.Chunks) ? GemvPath.Chunks : Supports(w, GemvPath.Avx2) ? GemvPath.Avx2 : GemvPath.Panels;
        if (m == 1 && path != GemvPath.Panels)
        {
            if (!Supports(w, path)) throw new ArgumentException($"the {path} GEMV kernel cannot run a [{w.Rows}, {w.Cols}] weight with block size {w.BlockSize} here", nameof(path));
            // xp holds x re-ordered once per call to match the order in which each kernel meets the codes.
            float* xp = XPermBuffer(w.Cols);
            if (path == GemvPath.Pairs)
            {
                // Per 128 values: sub-vector k holds x[c + 4i + PairElement[k]] for lanes i = 0..15 (see GemvPairs).
                for (int c = 0; c < w.Cols; c += 128)
                    for (int k = 0; k < 8; k++)
                        for (int i = 0; i < 16; i++) xp[c + 16 * k + i] = x[c + 4 * i + PairElement[k]];
            }
            else if (path == GemvPath.Lanes)
            {
                // Per 128 values: sub-vector k holds x[8i + LaneElement[k]] for lanes i = 0..15 (see GemvLanes).
                for (int c = 0; c < w.Cols; c += 128)
                    for (int k = 0; k < 8; k++)
                        for (int i = 0; i < 16; i++) xp[c + 16 * k + i] = x[c + 8 * i + LaneElement[k]];
            }
            else if (path == GemvPath.Avx2)
            {
                // Each 16 values (8 bytes) de-interleaved: [x0 x2 … x14 | x1 x3 … x15].
                for (int c = 0; c < w.Cols; c += 16)
                    for (int i = 0; i < 8; i++)
                    {
                        xp[c + i] = x[c + 2 * i];
                        xp[c + 8 + i] = x[c + 2 * i + 1];
                    }
            }
            else
            {
                // Each 64-chunk de-interleaved into the nibble order of its 32 bytes:
                // [x0 x2 … x30 | x1 x3 … x31 | x32 x34 … x62 | x33 … x63].
                for (int c = 0; c < w.Cols; c += 64)
                    for (int i = 0; i < 16; i++)
                    {
                        xp[c + i] = x[c + 2 * i];
                        xp[c + 16 + i] = x[c + 2 * i + 1];
                        xp[c + 32 + i] = x[c + 32 + 2 * i];
                        xp[c + 48 + i] = x[c + 32 + 2 * i + 1];
                    }
            }
            args.X = xp;
            args.Parts = (long)w.Rows * w.Cols < 1 << 16 ? 1 : Math.Min(WorkerPool.Concurrency, w.Rows);
            args.Path = path;
            WorkerPool.Run(args.Parts, &GemvPart, Unsafe.AsPointer(ref args));
            return;
        }
        int panels = (w.Rows + NR - 1) / NR;
        args.Parts = (long)m * w.Rows * w.Cols < 1 << 18 ? 1 : Math.Min(WorkerPool.Concurrency, panels);
        WorkerPool.Run(args.Parts, &GemmPart, Unsafe.AsPointer(ref args));
    }

    /// <summary>dx [m, Cols] (+)= dy [m, Rows] · W: the contraction runs over W's rows.</summary>
    public static void BackwardInput(in Weights4Bit w, float* dy, int m, int lddy, float* dx, int lddx, bool accumulate)
    {
        if (m == 0) return;
        int panels = (w.Cols + NR - 1) / NR;
        var args = new Args { W = w, X = dy, M = m, Ldx = lddy, Y = dx, Ldy = lddx, Accumulate = accumulate, Transposed = true };
        args.Parts = (long)m * w.Rows * w.Cols < 1 << 18 ? 1 : Math.Min(WorkerPool.Concurrency, panels);
        WorkerPool.Run(args.Parts, &GemmPart, Unsafe.AsPointer(ref args));
    }

    /// <summary>Rows [r0, r1) of this part (fixed ranges) through the kernel the call chose.</summary>
    private static void GemvPart(int part, void* state)
    {
        ref Args a = ref Unsafe.AsRef<Args>(state);
        int r0 = (int)((long)a.W.Rows * part / a.Parts), r1 = (int)((long)a.W.Rows * (part + 1) / a.Parts);
        switch (a.Path)
        {
            case GemvPath.Pairs: GemvPairs(a.W, a.X, r0, r1, a.Y, a.Accumulate); break;
            case GemvPath.Lanes: GemvLanes(a.W, a.X, r0, r1, a.Y, a.Accumulate); break;
            case GemvPath.Avx2: GemvAvx2(a.W, a.X, r0, r1, a.Y, a.Accumulate); break;
            default: Gemv(a.W, a.X, r0, r1, a.Y, a.Accumulate); break;
        }
    }

    /// <summary>
    /// y[r] (+)= Σc W[r, c]·x[c] for r in [r0, r1). Per 64-value chunk (32 bytes, one block):
    ///   s = Table · absmax[b]                      16 scaled codes in one register
    ///   v = zero-extend bytes 0..15 to int32       lane k holds byte k = (code 2k, code 2k+1)
    ///   acc0 += s[v >> 4] ⊙ xp[0..16]  (even values), acc1 += s[v] ⊙ xp[16..32] (odd values:
    ///   VPERMPS reads only the low 4 index bits, so the low nibble needs no mask); same for bytes 16..31.
    /// Bandwidth-bound on the packed bytes; 4 independent accumulators hide the FMA latency.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Gemv(in Weights4Bit w, float* xp, int r0, int r1, float* y, bool accumulate)
    {
        int cols = w.Cols, shift = w.BlockShift;
        var table = Vector512.Load(w.Table);
        for (int r = r0; r < r1; r++)
        {
            long start = (long)r * cols;
            byte* p = w.Packed + (start >> 1);
            Vector512<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
            float* x = xp;
            for (int c = 0; c < cols; c += 64, p += 32, x += 64)
            {
                var s = table * Vector512.Create(w.Scale((start + c) >> shift));
                var v0 = Avx512F.ConvertToVector512Int32(Vector128.Load(p));
                var v1 = Avx512F.ConvertToVector512Int32(Vector128.Load(p + 16));
                acc0 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(s, Avx512F.ShiftRightLogical(v0, 4)), Vector512.Load(x), acc0);
                acc1 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(s, v0), Vector512.Load(x + 16), acc1);
                acc2 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(s, Avx512F.ShiftRightLogical(v1, 4)), Vector512.Load(x + 32), acc2);
                acc3 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(s, v1), Vector512.Load(x + 48), acc3);
            }
            float dot = Vector512.Sum((acc0 + acc1) + (acc2 + acc3));
            y[r] = accumulate ? y[r] + dot : dot;
        }
    }

    // Shift of each nibble inside a 32-bit lane (4 bytes = 8 values, high nibble first) and the
    // element it holds: byte b's high nibble (shift 8b + 4) is element 2b, its low nibble element 2b + 1.
    private static readonly int[] LaneElement = [0, 1, 2, 3, 4, 5, 6, 7];

    /// <summary>
    /// GEMV over 128 values (64 bytes, two 64-blocks) per step without widening bytes: the 64 bytes
    /// load as 16 int32 lanes, lane i holding values 8i … 8i + 7, and each of the 8 nibble positions
    /// becomes a table index by a shift. VPERMT2PS looks up a 32-entry table [code·absmax_A | code·absmax_B]
    /// whose index bit 4 (set in lanes 8–15, the second block) picks the block's scale. x is
    /// de-interleaved to match once per call. Exact: the same products as the reference, summed in
    /// another order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GemvLanes(in Weights4Bit w, float* xp, int r0, int r1, float* y, bool accumulate)
    {
        int cols = w.Cols;
        var table = Vector512.Load(w.Table);
        var low4 = Vector512.Create(0xF);
        var upper = Vector512.Create(0, 0, 0, 0, 0, 0, 0, 0, 16, 16, 16, 16, 16, 16, 16, 16);
        for (int r = r0; r < r1; r++)
        {
            long start = (long)r * cols;
            byte* p = w.Packed + (start >> 1);
            long b = start >> 6;
            Vector512<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
            float* x = xp;
            for (int c = 0; c < cols; c += 128, p += 64, x += 128, b += 2)
            {
                var tA = table * Vector512.Create(w.Scale(b));
                var tB = table * Vector512.Create(w.Scale(b + 1));
                var v = Vector512.Load((int*)p);
                // (v >> s) & 0xF | upper, in one ternary-logic op: (a & b) | c = 0xEA.
                var i0 = Avx512F.TernaryLogic(Avx512F.ShiftRightLogical(v, 4), low4, upper, 0xEA);
                var i1 = Avx512F.TernaryLogic(v, low4, upper, 0xEA);
                var i2 = Avx512F.TernaryLogic(Avx512F.ShiftRightLogical(v, 12), low4, upper, 0xEA);
                var i3 = Avx512F.TernaryLogic(Avx512F.ShiftRightLogical(v, 8), low4, upper, 0xEA);
                var i4 = Avx512F.TernaryLogic(Avx512F.ShiftRightLogical(v, 20), low4, upper, 0xEA);
                var i5 = Avx512F.TernaryLogic(Avx512F.ShiftRightLogical(v, 16), low4, upper, 0xEA);
                var i6 = Avx512F.TernaryLogic(Avx512F.ShiftRightLogical(v, 28), low4, upper, 0xEA);
                var i7 = Avx512F.TernaryLogic(Avx512F.ShiftRightLogical(v, 24), low4, upper, 0xEA);
                acc0 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(tA, i0, tB), Vector512.Load(x), acc0);
                acc1 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(tA, i1, tB), Vector512.Load(x + 16), acc1);
                acc2 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(tA, i2, tB), Vector512.Load(x + 32), acc2);
                acc3 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(tA, i3, tB), Vector512.Load(x + 48), acc3);
                acc0 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(tA, i4, tB), Vector512.Load(x + 64), acc0);
                acc1 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(tA, i5, tB), Vector512.Load(x + 80), acc1);
                acc2 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(tA, i6, tB), Vector512.Load(x + 96), acc2);
                acc3 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(tA, i7, tB), Vector512.Load(x + 112), acc3);
            }
            float dot = Vector512.Sum((acc0 + acc1) + (acc2 + acc3));
            y[r] = accumulate ? y[r] + dot : dot;
        }
    }

    // Element (within a 128-value step) that sub-vector k of GemvPairs meets in lane i, minus 4i:
    // after the byte gather, lane i holds bytes 2i, 2i+1 of block A and 2i, 2i+1 of block B; the
    // shifts 4, 0, 12, 8 reach A's values 4i … 4i+3, and 20, 16, 28, 24 reach B's (64 + 4i …).
    private static readonly int[] PairElement = [0, 1, 2, 3, 64, 65, 66, 67];

    // Word gather for GemvPairs (VPERMW): lane i (words 2i, 2i+1) ← word i of block A and word i of
    // block B, i.e. chunk bytes 2i, 2i+1, 32+2i, 33+2i.
    private static readonly Vector512<ushort> PairGather = Vector512.Create(
        (ReadOnlySpan<ushort>)[.. Enumerable.Range(0, 32).Select(j => (ushort)((j & 1) * 16 + (j >> 1)))]);

    // Rows go in blocks of PairRows; a row longer than PairMaxTile values is cut into equal tiles of
    // at most that many columns (14336 → 2 × 7168: 28 KB of re-ordered x that stays in L1 while
    // every row of the block uses it, where a whole 56 KB x streamed from L2 for every row). Codes
    // are prefetched 512 bytes ahead into L1 and 4 KB ahead (or the next block) into L2. Measured on
    // 2 Zen 4 cores: 15 → 24 GB/s on a 150 MB weight, 17 → 24 on 4096 × 14336.
    private const int PairRows = 8, PairMaxTile = 8192, PrefetchL1 = 512, PrefetchL2 = 4096;

    /// <summary>Benchmarks try other tile widths with this (0: PairMaxTile).</summary>
    internal static int PairMaxTileOverride, PrefetchL2Override;

    /// <summary>
    /// GEMV over 128 values (64 bytes = blocks A and B) per step, every table lookup inside one block:
    ///   v = VPERMW(chunk): lane i ← A bytes 2i, 2i+1 (low half) and B bytes 2i, 2i+1 (high half)
    ///   tA = Table · absmax_A, tB = Table · absmax_B      (the reference's products, bit for bit)
    ///   4 shifts of v index tA (VPERMPS reads the low 4 bits), 4 index tB; 8 FMAs with x re-ordered
    ///   to match, into 4 accumulators.
    /// Per 16 values: one shift, one permute, one FMA; the permute and the FMA compete for the same
    /// pipes on Zen 4 (~1.5 cycles), which with the prefetching puts 2 cores at the DRAM limit.
    /// </summary>
    internal static void GemvPairs(in Weights4Bit w, float* xp, int r0, int r1, float* y, bool accumulate)
    {
        if (w.IsDoubleQuantized) GemvPairs<DoubleQuantScales>(w, xp, r0, r1, y, accumulate);
        else GemvPairs<PlainScales>(w, xp, r0, r1, y, accumulate);
    }

    private struct PlainScales;
    private struct DoubleQuantScales;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GemvPairs<TScales>(in Weights4Bit w, float* xp, int r0, int r1, float* y, bool accumulate)
        where TScales : struct
    {
        int cols = w.Cols, nestedShift = w.NestedShift;
        long rowBytes = cols >> 1;
        byte* packed = w.Packed, codes = w.AbsmaxCodes;
        float* absmax = w.Absmax;
        var table = Vector512.Load(w.Table);
        var gather = PairGather;
        float* sums = stackalloc float[PairRows];
        int maxTile = PairMaxTileOverride > 0 ? PairMaxTileOverride : PairMaxTile;
        int tiles = (cols + maxTile - 1) / maxTile;
        int tile = ((cols + tiles - 1) / tiles + 127) & ~127;
        for (int rb = r0; rb < r1; rb += PairRows)
        {
            int re = Math.Min(rb + PairRows, r1);
            // Double quantization: the block's scale is read from luts[(b >> NestedShift) - n0][code],
            // 256 decoded values per nested group this row block touches, built here (a few KB, in L1).
            long b0 = (long)rb * cols >> 6;
            long n0 = 0;
            float* luts = null;
            if (typeof(TScales) == typeof(DoubleQuantScales))
            {
                n0 = b0 >> nestedShift;
                long n1 = (((long)re * cols >> 6) - 1) >> nestedShift;
                luts = LutBuffer((int)(n1 - n0 + 1) * 256);
                for (long n = n0; n <= n1; n++)
                {
                    var nested = Vector512.Create(w.NestedAbsmax[n]);
                    var offset = Vector512.Create(w.NestedOffset);
                    float* dst = luts + ((n - n0) << 8);
                    for (int q = 0; q < 256; q += 16)
                        (Vector512.Load(w.NestedCode + q) * nested + offset).Store(dst + q);   // mul, then add: no FMA
                }
            }
            // L2: a pointer that runs 64 bytes per step ahead of the reads. With one tile per row the rows
            // are read in address order, so it starts 4 KB ahead of the block; tiled, the order jumps
            // between rows, so it streams in the next block instead (as many bytes as this block reads).
            byte* ahead = tile < cols ? w.Packed + re * rowBytes : w.Packed + rb * rowBytes + (PrefetchL2Override > 0 ? PrefetchL2Override : PrefetchL2);
            for (int c0 = 0; c0 < cols; c0 += tile)
            {
                int tc = Math.Min(tile, cols - c0);
                for (int r = rb; r < re; r++)
                {
                    long start = (long)r * cols + c0;
                    byte* p = packed + (start >> 1), end = p + (tc >> 1);
                    long b = start >> 6;
                    float* x = xp + c0;
                    // L1: 512 bytes ahead, running on into the segment that comes next in this order
                    // (the next row's tile, the next tile's first row, or the next block).
                    byte* next = r + 1 < re ? p + rowBytes
                        : c0 + tc < cols ? packed + rb * rowBytes + ((c0 + tc) >> 1)
                        : packed + re * rowBytes;
                    byte* pf = p + PrefetchL1, pfTurn = end;
                    if (pf >= pfTurn) pf += next - end;
                    Vector512<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
                    for (; p < end; p += 64, x += 128, b += 2)
                    {
                        Sse.Prefetch0(pf);
                        Sse.Prefetch1(ahead);
                        pf += 64;
                        ahead += 64;
                        if (pf == pfTurn) pf = next;
                        var v = Avx512BW.PermuteVar32x16(Vector512.Load((ushort*)p), gather).AsInt32();
                        float* scaleA, scaleB;
                        if (typeof(TScales) == typeof(DoubleQuantScales))
                        {
                            // b is even and groups hold an even number of blocks, so b + 1 shares b's group.
                            float* lut = luts + (((b >> nestedShift) - n0) << 8);
                            scaleA = lut + codes[b];
                            scaleB = lut + codes[b + 1];
                        }
                        else
                        {
                            scaleA = absmax + b;
                            scaleB = scaleA + 1;
                        }
                        var tA = table * Vector512.Create(*scaleA);
                        var tB = table * Vector512.Create(*scaleB);
                        acc0 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(tA, Avx512F.ShiftRightLogical(v, 4)), Vector512.Load(x), acc0);
                        acc1 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(tA, v), Vector512.Load(x + 16), acc1);
                        acc2 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(tA, Avx512F.ShiftRightLogical(v, 12)), Vector512.Load(x + 32), acc2);
                        acc3 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(tA, Avx512F.ShiftRightLogical(v, 8)), Vector512.Load(x + 48), acc3);
                        acc0 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(tB, Avx512F.ShiftRightLogical(v, 20)), Vector512.Load(x + 64), acc0);
                        acc1 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(tB, Avx512F.ShiftRightLogical(v, 16)), Vector512.Load(x + 80), acc1);
                        acc2 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(tB, Avx512F.ShiftRightLogical(v, 28)), Vector512.Load(x + 96), acc2);
                        acc3 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(tB, Avx512F.ShiftRightLogical(v, 24)), Vector512.Load(x + 112), acc3);
                    }
                    float part = Vector512.Sum((acc0 + acc1) + (acc2 + acc3));
                    sums[r - rb] = c0 == 0 ? part : sums[r - rb] + part;
                }
            }
            for (int r = rb; r < re; r++) y[r] = accumulate ? y[r] + sums[r - rb] : sums[r - rb];
        }
    }

    /// <summary>
    /// The 16-entry lookup with 8-lane AVX2 permutes: VPERMPS reads the index's low 3 bits from the
    /// lower and the upper half of the (scaled) table, and a blend on bit 3, moved to the sign bit by
    /// <paramref name="toSign"/>, picks between them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Lookup(Vector256<float> lo, Vector256<float> hi, Vector256<int> index, Vector256<int> toSign)
        => Avx.BlendVariable(Avx2.PermuteVar8x32(lo, index), Avx2.PermuteVar8x32(hi, index), toSign.AsSingle());

    /// <summary>
    /// GEMV for CPUs without AVX-512 (AVX2 + FMA). Per 16 values (8 bytes): zero-extend to 8 int32
    /// lanes (byte k = values 2k, 2k+1), high nibbles by a shift, each looked up in the block's scaled
    /// table (<see cref="Lookup"/>) and multiplied into 2 of 4 accumulators; x de-interleaved to match.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GemvAvx2(in Weights4Bit w, float* xp, int r0, int r1, float* y, bool accumulate)
    {
        int cols = w.Cols, shift = w.BlockShift;
        var tableLo = Vector256.Load(w.Table);
        var tableHi = Vector256.Load(w.Table + 8);
        for (int r = r0; r < r1; r++)
        {
            long start = (long)r * cols;
            byte* p = w.Packed + (start >> 1);
            Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
            float* x = xp;
            // 64-value chunks: a chunk never straddles a block (rows start on a multiple of 64 and
            // blocks are 64 or more), though a block may straddle rows.
            for (int c = 0; c < cols; c += 64)
            {
                var s = Vector256.Create(w.Scale((start + c) >> shift));
                Vector256<float> lo = tableLo * s, hi = tableHi * s;
                for (int k = 0; k < 64; k += 16, p += 8, x += 16)
                {
                    var v = Avx2.ConvertToVector256Int32(p);
                    var high = Avx2.ShiftRightLogical(v, 4);
                    if ((k & 16) == 0)
                    {
                        acc0 = Fma.MultiplyAdd(Lookup(lo, hi, high, Avx2.ShiftLeftLogical(high, 28)), Vector256.Load(x), acc0);
                        acc1 = Fma.MultiplyAdd(Lookup(lo, hi, v, Avx2.ShiftLeftLogical(v, 28)), Vector256.Load(x + 8), acc1);
                    }
                    else
                    {
                        acc2 = Fma.MultiplyAdd(Lookup(lo, hi, high, Avx2.ShiftLeftLogical(high, 28)), Vector256.Load(x), acc2);
                        acc3 = Fma.MultiplyAdd(Lookup(lo, hi, v, Avx2.ShiftLeftLogical(v, 28)), Vector256.Load(x + 8), acc3);
                    }
                }
            }
            float dot = Vector256.Sum((acc0 + acc1) + (acc2 + acc3));
            y[r] = accumulate ? y[r] + dot : dot;
        }
    }

    private static void GemmPart(int part, void* state)
    {
        ref Args a = ref Unsafe.AsRef<Args>(state);
        int n = a.Transposed ? a.W.Cols : a.W.Rows;
        int panels = (n + NR - 1) / NR;
        int p0 = (int)((long)panels * part / a.Parts), p1 = (int)((long)panels * (part + 1) / a.Parts);
        Gemm(a.W, a.Transposed, a.X, a.M, a.Ldx, p0, p1, a.Y, a.Ldy, a.Accumulate);
    }

    /// <summary>
    /// Output panels [p0, p1) of C [m, N] (+)= A [m, K] · B [K, N], with B = Wᵀ (forward: K = Cols,
    /// N = Rows) or B = W (transposed: K = Rows, N = Cols). Per K slice of KC: A is packed once
    /// into MR-row tiles, then each 32-wide B panel is dequantized once (KC × 32 floats, 32 KB, stays
    /// in L1/L2) and every A tile runs the 6 × 32 micro-kernel on it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gemm(in Weights4Bit w, bool transposed, float* a, int m, int lda, int p0, int p1, float* c, int ldc, bool accumulate)
    {
        int k = transposed ? w.Rows : w.Cols, n = transposed ? w.Cols : w.Rows;
        int tiles = (m + MR - 1) / MR;
        float* aPack = APackBuffer(tiles * MR * KC);
        EnsurePanelBuffers();
        float* panel = t_panel, row = t_row;
        for (int pc = 0; pc < k; pc += KC)
        {
            int kc = Math.Min(KC, k - pc);
            bool acc = accumulate || pc > 0;
            MatMul.PackA(a + pc, lda, m, kc, aPack);
            for (int p = p0; p < p1; p++)
            {
                int col = p * NR, cols = Math.Min(NR, n - col);
                // Columns ≥ cols of a ragged last panel are left as they are: the micro-kernel's
                // output columns are independent and it stores only the first cols.
                if (transposed) FillPanelOfW(w, pc, kc, col, cols, panel);
                else FillPanelOfWt(w, pc, kc, col, cols, panel, row);
                for (int ir = 0; ir < m; ir += MR)
                    MatMul.MicroKernel(aPack + (nint)ir * kc, panel, kc, c + (nint)ir * ldc + col, ldc, Math.Min(MR, m - ir), cols, acc);
            }
        }
    }

    /// <summary>Forward panel: panel[kk·32 + j] = W[col + j, pc + kk] (a transpose: rows of W become panel columns).</summary>
    private static void FillPanelOfWt(in Weights4Bit w, int pc, int kc, int col, int cols, float* panel, float* row)
    {
        if (cols == NR && kc % 8 == 0 && pc % 8 == 0 && w.Cols % 8 == 0 && w.BlockShift >= 3 && MatMul.UseAvx512)
        {
            FillPanelOfWtAvx512(w, pc, kc, col, panel);
            return;
        }
        for (int j = 0; j < cols; j++)
        {
            DequantizeRange(w, (long)(col + j) * w.Cols + pc, kc, row);
            float* dst = panel + j;
            for (int kk = 0; kk < kc; kk++) dst[kk * NR] = row[kk];
        }
    }

    /// <summary>
    /// The forward panel without a scalar transpose: per 8 columns of W, one gather per 8 rows
    /// fetches each row's 4 bytes (8 codes), and each of the 8 shifts, looked up in the table and
    /// scaled, is one 16-wide row of the panel. Scales are decoded per row when a block starts.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FillPanelOfWtAvx512(in Weights4Bit w, int pc, int kc, int col, float* panel)
    {
        long k = w.Cols;
        int rowBytes = (int)(k >> 1), shift = w.BlockShift;
        var table = Vector512.Load(w.Table);
        var rows = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * rowBytes;   // AVX2 gathers: .NET has no 512-bit ones
        float* scale = stackalloc float[NR];
        // Rows whose length is a multiple of the block size all change block on the same columns.
        int refresh = (k & (w.BlockSize - 1)) == 0 ? w.BlockSize : 8;
        Vector512<float> s0 = default, s1 = default;
        for (int kk = 0; kk < kc; kk += 8)
        {
            int c = pc + kk;
            if (kk == 0 || c % refresh == 0)
            {
                for (int j = 0; j < NR; j++) scale[j] = w.Scale(((col + j) * k + c) >> shift);
                s0 = Vector512.Load(scale);
                s1 = Vector512.Load(scale + 16);
            }
            byte* b0 = w.Packed + (((long)col * k + c) >> 1);
            var g0 = Vector512.Create(Avx2.GatherVector256((int*)b0, rows, 1), Avx2.GatherVector256((int*)(b0 + 8L * rowBytes), rows, 1));
            var g1 = Vector512.Create(Avx2.GatherVector256((int*)(b0 + 16L * rowBytes), rows, 1), Avx2.GatherVector256((int*)(b0 + 24L * rowBytes), rows, 1));
            float* dst = panel + kk * NR;
            // Value 8g + t of a little-endian group sits at shift 4, 0, 12, 8, 20, 16, 28, 24 (t = 0 … 7).
            PanelRow(table, s0, s1, Avx512F.ShiftRightLogical(g0, 4), Avx512F.ShiftRightLogical(g1, 4), dst);
            PanelRow(table, s0, s1, g0, g1, dst + NR);
            PanelRow(table, s0, s1, Avx512F.ShiftRightLogical(g0, 12), Avx512F.ShiftRightLogical(g1, 12), dst + 2 * NR);
            PanelRow(table, s0, s1, Avx512F.ShiftRightLogical(g0, 8), Avx512F.ShiftRightLogical(g1, 8), dst + 3 * NR);
            PanelRow(table, s0, s1, Avx512F.ShiftRightLogical(g0, 20), Avx512F.ShiftRightLogical(g1, 20), dst + 4 * NR);
            PanelRow(table, s0, s1, Avx512F.ShiftRightLogical(g0, 16), Avx512F.ShiftRightLogical(g1, 16), dst + 5 * NR);
            PanelRow(table, s0, s1, Avx512F.ShiftRightLogical(g0, 28), Avx512F.ShiftRightLogical(g1, 28), dst + 6 * NR);
            PanelRow(table, s0, s1, Avx512F.ShiftRightLogical(g0, 24), Avx512F.ShiftRightLogical(g1, 24), dst + 7 * NR);
        }
    }

    /// <summary>One panel row: 32 codes (low 4 bits of each lane) → table → times the rows' scales.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PanelRow(Vector512<float> table, Vector512<float> s0, Vector512<float> s1, Vector512<int> i0, Vector512<int> i1, float* d)
    {
        (Avx512F.PermuteVar16x32(table, i0) * s0).Store(d);
        (Avx512F.PermuteVar16x32(table, i1) * s1).Store(d + 16);
    }

    /// <summary>Backward panel: panel[kk·32 + j] = W[pc + kk, col + j]: 32 consecutive values of a row (half a 64-block).</summary>
    private static void FillPanelOfW(in Weights4Bit w, int pc, int kc, int col, int cols, float* panel)
    {
        for (int kk = 0; kk < kc; kk++)
            DequantizeRange(w, (long)(pc + kk) * w.Cols + col, cols, panel + kk * NR);
    }

    private static readonly Vector512<int> PairIndex = Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    private static readonly Vector512<uint> PairShift = Vector512.Create(4u, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0);

    /// <summary>
    /// dst[0..count) = flat values [start, start + count) of W. Runs of 16 that start on an even
    /// index inside one block go through AVX-512 (8 bytes → each byte twice → >> (4, 0) → table),
    /// the rest (odd starts, runs crossing a block edge, tails) value by value.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void DequantizeRange(in Weights4Bit w, long start, int count, float* dst)
    {
        int mask = w.BlockSize - 1, shift = w.BlockShift;
        if (MatMul.UseAvx512)
        {
            var table = Vector512.Load(w.Table);
            while (count >= 16)
            {
                if ((start & 1) != 0 || (int)(start & mask) + 16 > w.BlockSize)
                {
                    *dst++ = Value(w, start++); count--;
                    continue;
                }
                var bytes = Avx512F.ConvertToVector512Int32(Vector128.CreateScalar(*(ulong*)(w.Packed + (start >> 1))).AsByte());
                var nibbles = Avx512F.ShiftRightLogicalVariable(Avx512F.PermuteVar16x32(bytes, PairIndex).AsUInt32(), PairShift).AsInt32();
                (Avx512F.PermuteVar16x32(table, nibbles) * Vector512.Create(w.Scale(start >> shift))).Store(dst);
                dst += 16; start += 16; count -= 16;
            }
        }
        else if (MatMul.UseAvx2)
        {
            var lo = Vector256.Load(w.Table);
            var hi = Vector256.Load(w.Table + 8);
            var pairs = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3);
            var shifts = Vector256.Create(4u, 0, 4, 0, 4, 0, 4, 0);
            while (count >= 8)
            {
                if ((start & 1) != 0 || (int)(start & mask) + 8 > w.BlockSize)
                {
                    *dst++ = Value(w, start++); count--;
                    continue;
                }
                // 4 bytes, each twice, shifted (4, 0): the low 4 bits of lane j are nibble j.
                var bytes = Avx2.ConvertToVector256Int32(Vector128.CreateScalar(*(uint*)(w.Packed + (start >> 1))).AsByte());
                var nibbles = Avx2.ShiftRightLogicalVariable(Avx2.PermuteVar8x32(bytes, pairs).AsUInt32(), shifts).AsInt32();
                (Lookup(lo, hi, nibbles, Avx2.ShiftLeftLogical(nibbles, 28)) * Vector256.Create(w.Scale(start >> shift))).Store(dst);
                dst += 8; start += 8; count -= 8;
            }
        }
        for (int i = 0; i < count; i++) dst[i] = Value(w, start + i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Value(in Weights4Bit w, long i)
    {
        byte b = w.Packed[i >> 1];
        int nibble = (i & 1) == 0 ? b >> 4 : b & 15;
        return w.Table[nibble] * w.Scale(i >> w.BlockShift);
    }

    private static float* APackBuffer(int floats) => Scratch.Grow(ref t_aPack, ref t_aPackFloats, floats);

    private static void EnsurePanelBuffers()
    {
        if (t_panel != null) return;
        t_panel = (float*)NativeMemory.AlignedAlloc((nuint)(KC * NR * sizeof(float)), 64);
        NativeMemory.Clear(t_panel, (nuint)(KC * NR * sizeof(float)));   // unused ragged columns stay finite
        t_row = (float*)NativeMemory.AlignedAlloc((nuint)(KC * sizeof(float)), 64);
    }

    [ThreadStatic] private static float* t_luts;       // decoded double-quant scales for GemvPairs
    [ThreadStatic] private static int t_lutFloats;

    private static float* LutBuffer(int floats) => Scratch.Grow(ref t_luts, ref t_lutFloats, floats);

    private static float* XPermBuffer(int floats) => Scratch.Grow(ref t_xPerm, ref t_xPermFloats, floats);
}
