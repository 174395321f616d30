using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

using ShawBot.Engine.Kernels;

namespace ShawBot.Engine.Model;

/// <summary>
/// The int8 row kernel for CPUs without AVX-512 VBMI (AVX2 + FMA), llama.cpp's sign trick:
/// per 64-block (32 packed bytes) the high and the low nibbles index VPSHUFB on T (the 16 codes ×127,
/// repeated in both 128-bit lanes) → W; VPMADDUBSW(|W|, sign(q, W)) = Σ pairs W·q in int16
/// (|·| ≤ 2·127² &lt; 2¹⁵), VPMADDWD by ones → 8 int32 lanes, then one FMA with absmax_b · Scale_x[b].
/// Activations: <see cref="Int8Activations.Signed"/> at <see cref="Int8Activations.Offsets"/>.
/// </summary>
internal static unsafe class MatMul4BitInt8Avx2
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Row(in Weights4BitInt8 w, int r, sbyte* q, float* xs)
    {
        var table = Vector256.Create(Vector128.Load(w.Table), Vector128.Load(w.Table));
        var low4 = Vector256.Create((byte)0x0F);
        var ones = Vector256.Create((short)1);
        int cols = w.Cols;
        byte* p = w.Packed + (long)r * (cols >> 1);
        long wb = (long)r * (cols >> 6);
        Vector256<float> acc0 = default, acc1 = default;
        for (int blk = 0; blk < cols / 64; blk++, p += 32, wb++)
            {
                (int hi, int lo) = Int8Activations.Offsets(blk, cols);
                var v = Vector256.Load(p);
                var wHi = Avx2.Shuffle(table, (Avx2.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & low4).AsSByte());
                var wLo = Avx2.Shuffle(table, (v & low4).AsSByte());
                var qHi = Vector256.Load(q + hi);
                var qLo = Vector256.Load(q + lo);
                var i32 = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Avx2.Abs(wHi), Avx2.Sign(qHi, wHi)), ones)
                        + Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Avx2.Abs(wLo), Avx2.Sign(qLo, wLo)), ones);
                var s = Vector256.Create(w.Scale(wb) * xs[blk]);
                if ((blk & 1) == 0) acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i32), s, acc0);
                else acc1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i32), s, acc1);
            }
        return Vector256.Sum(acc0 + acc1);
    }
}
