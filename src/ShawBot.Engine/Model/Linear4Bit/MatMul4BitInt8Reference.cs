using ShawBot.Engine.Kernels;

namespace ShawBot.Engine.Model;

/// <summary>
/// The scalar reference of the int8 kernels: for each 64-block b of row r,
///   y += absmax_b · Scale_x[b] · Σ_{i ∈ b} T[nibble_i] · q_i
/// with the integer sum exact (int), the blocks summed in order in float. Reads q from
/// <see cref="Int8Activations.Signed"/> (kernel order: value 2j of a 128-step at j, 2j + 1 at 64 + j).
/// </summary>
internal static unsafe class MatMul4BitInt8Reference
{
    internal static float Row(in Weights4BitInt8 w, int r, sbyte* q, float* xs)
    {
        int cols = w.Cols;
        byte* p = w.Packed + (long)r * (cols >> 1);
        long wb = (long)r * (cols >> 6);
        float y = 0;
        for (int c = 0; c < cols; c += 128)
            for (int half = 0; half < 2; half++)
            {
                int dot = 0;
                for (int j = 0; j < 32; j++)
                {
                    byte b = p[(c >> 1) + 32 * half + j];
                    dot += w.Table[b >> 4] * q[c + 32 * half + j] + w.Table[b & 15] * q[c + 64 + 32 * half + j];
                }
                y += w.Scale(wb + (c >> 6) + half) * xs[(c >> 6) + half] * dot;
            }
        return y;
    }
}
