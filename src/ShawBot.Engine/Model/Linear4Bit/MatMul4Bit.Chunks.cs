namespace ShawBot.Engine.Model;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

/// <summary>The AVX-512F decode kernel over 64-value chunks (one block each) and its x order.</summary>
internal static unsafe partial class MatMul4Bit
{
    /// <summary>Each 64-chunk de-interleaved into the nibble order of its 32 bytes: [x0 x2 … x30 | x1 x3 … x31 | x32 x34 … x62 | x33 … x63].</summary>
    private static void PermuteForChunks(float* x, float* xp, int cols)
    {
        for (int c = 0; c < cols; c += 64)
            for (int i = 0; i < 16; i++)
            {
                xp[c + i] = x[c + 2 * i];
                xp[c + 16 + i] = x[c + 2 * i + 1];
                xp[c + 32 + i] = x[c + 32 + 2 * i];
                xp[c + 48 + i] = x[c + 32 + 2 * i + 1];
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
}
