using ShawBot.Engine.Kernels;

namespace ShawBot.Engine.Model;

/// <summary>
/// The scalar reference of the int8 kernels: for each 64-block b of row r,
///   y += absmax_b · Scale_x[b] · Σ_{i ∈ b} T[nibble_i] · q_i
/// with the integer sum exact (int), the blocks summed in order in float. Reads q from
/// <see cref="Int8Activations.Signed"/> (kernel order, <see cref="Int8Activations.Offsets"/>).
/// </summary>
internal static unsafe class MatMul4BitInt8Reference
{
    internal static float Row(in Weights4BitInt8 w, int r, sbyte* q, float* xs)
    {
        int cols = w.Cols;
        byte* p = w.Packed + (long)r * (cols >> 1);
        long wb = (long)r * (cols >> 6);
        float y = 0;
        for (int blk = 0; blk < cols / 64; blk++)
        {
            (int hi, int lo) = Int8Activations.Offsets(blk, cols);
            int dot = 0;
            for (int j = 0; j < 32; j++)
            {
                byte b = p[32 * blk + j];
                dot += w.Table[b >> 4] * q[hi + j] + w.Table[b & 15] * q[lo + j];
            }
            y += w.Scale(wb + blk) * xs[blk] * dot;
        }
        return y;
    }
}
