namespace ShawBot.Engine.Model;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

/// <summary>The AVX-512F decode kernel over 128-value steps with a 32-entry VPERMT2PS table, and its x order.</summary>
internal static unsafe partial class MatMul4Bit
{
    /// <summary>Per 128 values: sub-vector k holds x[8i + LaneElement[k]] for lanes i = 0..15 (see GemvLanes).</summary>
    private static void PermuteForLanes(float* x, float* xp, int cols)
    {
        for (int c = 0; c < cols; c += 128)
            for (int k = 0; k < 8; k++)
                for (int i = 0; i < 16; i++) xp[c + 16 * k + i] = x[c + 8 * i + LaneElement[k]];
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
}
