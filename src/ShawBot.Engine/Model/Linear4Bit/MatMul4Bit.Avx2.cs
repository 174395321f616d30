namespace ShawBot.Engine.Model;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

/// <summary>The decode kernel for CPUs without AVX-512 (AVX2 + FMA), its table lookup and its x order.</summary>
internal static unsafe partial class MatMul4Bit
{
    /// <summary>Each 16 values (8 bytes) de-interleaved: [x0 x2 … x14 | x1 x3 … x15].</summary>
    private static void PermuteForAvx2(float* x, float* xp, int cols)
    {
        for (int c = 0; c < cols; c += 16)
            for (int i = 0; i < 8; i++)
            {
                xp[c + i] = x[c + 2 * i];
                xp[c + 8 + i] = x[c + 2 * i + 1];
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
}
