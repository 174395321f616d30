namespace ShawBot.Engine.Model;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ShawBot.Engine.Kernels;

/// <summary>The AVX512BW decode kernel (the default): block pairs gathered by VPERMW, double quant decoded per row block, and its x order.</summary>
internal static unsafe partial class MatMul4Bit
{
    /// <summary>Per 128 values: sub-vector k holds x[c + 4i + PairElement[k]] for lanes i = 0..15 (see GemvPairs).</summary>
    private static void PermuteForPairs(float* x, float* xp, int cols)
    {
        for (int c = 0; c < cols; c += 128)
            for (int k = 0; k < 8; k++)
                for (int i = 0; i < 16; i++) xp[c + 16 * k + i] = x[c + 4 * i + PairElement[k]];
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

    /// <summary>GemvPairs' tile width (columns) and L2 prefetch distance (bytes); 0 keeps the measured defaults (benchmarks pass others).</summary>
    internal readonly record struct PairsTuning(int MaxTile, int PrefetchL2);

    /// <summary>
    /// GEMV over 128 values (64 bytes = blocks A and B) per step, every table lookup inside one block:
    ///   v = VPERMW(chunk): lane i ← A bytes 2i, 2i+1 (low half) and B bytes 2i, 2i+1 (high half)
    ///   tA = Table · absmax_A, tB = Table · absmax_B      (the reference's products, bit for bit)
    ///   4 shifts of v index tA (VPERMPS reads the low 4 bits), 4 index tB; 8 FMAs with x re-ordered
    ///   to match, into 4 accumulators.
    /// Per 16 values: one shift, one permute, one FMA; the permute and the FMA compete for the same
    /// pipes on Zen 4 (~1.5 cycles), which with the prefetching puts 2 cores at the DRAM limit.
    /// </summary>
    internal static void GemvPairs(in Weights4Bit w, float* xp, int r0, int r1, float* y, bool accumulate, PairsTuning tuning = default)
    {
        if (w.IsDoubleQuantized) GemvPairs<DoubleQuantScales>(w, xp, r0, r1, y, accumulate, tuning);
        else GemvPairs<PlainScales>(w, xp, r0, r1, y, accumulate, tuning);
    }

    private struct PlainScales;
    private struct DoubleQuantScales;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GemvPairs<TScales>(in Weights4Bit w, float* xp, int r0, int r1, float* y, bool accumulate, PairsTuning tuning)
        where TScales : struct
    {
        int cols = w.Cols, nestedShift = w.NestedShift;
        long rowBytes = cols >> 1;
        byte* packed = w.Packed, codes = w.AbsmaxCodes;
        float* absmax = w.Absmax;
        var table = Vector512.Load(w.Table);
        var gather = PairGather;
        float* sums = stackalloc float[PairRows];
        int maxTile = tuning.MaxTile > 0 ? tuning.MaxTile : PairMaxTile;
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
            byte* ahead = tile < cols ? w.Packed + re * rowBytes : w.Packed + rb * rowBytes + (tuning.PrefetchL2 > 0 ? tuning.PrefetchL2 : PrefetchL2);
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

    [ThreadStatic] private static float* t_luts;       // decoded double-quant scales for GemvPairs
    [ThreadStatic] private static int t_lutFloats;

    private static float* LutBuffer(int floats) => Scratch.Grow(ref t_luts, ref t_lutFloats, floats);
}
