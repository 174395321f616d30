using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ShawBot.Engine.Kernels;

/// <summary>
/// Y (+)= X · Wᵀ and dX (+)= dY · W for a BF16 weight W [rows, cols] (row-major bit patterns);
/// bf16 → fp32 is exact (bits &lt;&lt; 16), so only the summation order differs from fp32.
///   m = 1: GEMV over rows split in fixed ranges, 16 values per zero-extend + shift + FMA.
///   m &gt; 1: kc × 32 panels widened into the <see cref="PackedMatrix"/> layout for
///   <see cref="MatMul.MicroKernel"/>, as Model.MatMul4Bit does for 4-bit.
/// </summary>
internal static unsafe class MatMulBf16
{
    private const int NR = PackedMatrix.PanelWidth;
    private const int KC = MatMul.KC;
    private const int MR = MatMul.MR;

    [ThreadStatic] private static float* t_aPack;
    [ThreadStatic] private static int t_aPackFloats;
    [ThreadStatic] private static float* t_panel;   // KC × 32
    [ThreadStatic] private static float* t_xPerm;   // cols floats: x de-interleaved for the GEMV
    [ThreadStatic] private static int t_xPermFloats;

    private struct Args
    {
        public ushort* W; public int Rows; public int Cols;
        public float* X; public int M; public int Ldx;
        public float* Y; public int Ldy;
        public bool Accumulate; public bool Transposed; public int Parts;
    }

    public static void Forward(ushort* w, int rows, int cols, float* x, int m, int ldx, float* y, int ldy, bool accumulate)
    {
        if (m == 0) return;
        var a = new Args { W = w, Rows = rows, Cols = cols, X = x, M = m, Ldx = ldx, Y = y, Ldy = ldy, Accumulate = accumulate };
        if (m == 1)
        {
            // A dword of W holds two bf16 values: element 2i in its low half, 2i+1 in its high half.
            // With x de-interleaved per 32 values ([x0 x2 … x30 | x1 x3 … x31]) the kernel widens
            // by (v << 16) and (v & 0xFFFF0000), in-lane, instead of a cross-lane zero-extension.
            int main = cols & ~31;
            float* xp = XPermBuffer(cols);
            for (int c = 0; c < main; c += 32)
                for (int i = 0; i < 16; i++) { xp[c + i] = x[c + 2 * i]; xp[c + 16 + i] = x[c + 2 * i + 1]; }
            for (int c = main; c < cols; c++) xp[c] = x[c];
            a.X = xp;
            a.Parts = (long)rows * cols < 1 << 16 ? 1 : Math.Min(WorkerPool.Concurrency, rows);
            WorkerPool.Run(a.Parts, &GemvPart, Unsafe.AsPointer(ref a));
            return;
        }
        a.Parts = (long)m * rows * cols < 1 << 18 ? 1 : Math.Min(WorkerPool.Concurrency, (rows + NR - 1) / NR);
        WorkerPool.Run(a.Parts, &GemmPart, Unsafe.AsPointer(ref a));
    }

    /// <summary>dx [m, cols] (+)= dy [m, rows] · W.</summary>
    public static void BackwardInput(ushort* w, int rows, int cols, float* dy, int m, int lddy, float* dx, int lddx, bool accumulate)
    {
        if (m == 0) return;
        var a = new Args { W = w, Rows = rows, Cols = cols, X = dy, M = m, Ldx = lddy, Y = dx, Ldy = lddx, Accumulate = accumulate, Transposed = true };
        a.Parts = (long)m * rows * cols < 1 << 18 ? 1 : Math.Min(WorkerPool.Concurrency, (cols + NR - 1) / NR);
        WorkerPool.Run(a.Parts, &GemmPart, Unsafe.AsPointer(ref a));
    }

    private static void GemvPart(int part, void* state)
    {
        ref Args a = ref Unsafe.AsRef<Args>(state);
        int r0 = (int)((long)a.Rows * part / a.Parts), r1 = (int)((long)a.Rows * (part + 1) / a.Parts);
        Gemv(a.W, a.Cols, a.X, r0, r1, a.Y, a.Accumulate);
    }

    /// <summary>y[r] (+)= Σk x[k]·f32(W[r, k]) for r in [r0, r1); f32(b) = bits(b) &lt;&lt; 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gemv(ushort* w, int cols, float* x, int r0, int r1, float* y, bool accumulate)
    {
        for (int r = r0; r < r1; r++)
        {
            ushort* row = w + (nint)r * cols;
            float dot = 0f;
            int k = 0;
            if (Avx512F.IsSupported)
            {
                var high = Vector512.Create(0xFFFF0000u);
                Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
                for (; k + 64 <= cols; k += 64)
                {
                    var v0 = Vector512.Load((uint*)(row + k));
                    var v1 = Vector512.Load((uint*)(row + k + 32));
                    s0 = Avx512F.FusedMultiplyAdd(Avx512F.ShiftLeftLogical(v0, 16).AsSingle(), Vector512.Load(x + k), s0);
                    s1 = Avx512F.FusedMultiplyAdd((v0 & high).AsSingle(), Vector512.Load(x + k + 16), s1);
                    s2 = Avx512F.FusedMultiplyAdd(Avx512F.ShiftLeftLogical(v1, 16).AsSingle(), Vector512.Load(x + k + 32), s2);
                    s3 = Avx512F.FusedMultiplyAdd((v1 & high).AsSingle(), Vector512.Load(x + k + 48), s3);
                }
                for (; k + 32 <= cols; k += 32)
                {
                    var v0 = Vector512.Load((uint*)(row + k));
                    s0 = Avx512F.FusedMultiplyAdd(Avx512F.ShiftLeftLogical(v0, 16).AsSingle(), Vector512.Load(x + k), s0);
                    s1 = Avx512F.FusedMultiplyAdd((v0 & high).AsSingle(), Vector512.Load(x + k + 16), s1);
                }
                dot = Vector512.Sum((s0 + s1) + (s2 + s3));
            }
            else
            {
                // x is de-interleaved for k < cols & ~31: element 2i+j of a 32-chunk sits at 16j + i.
                for (; k + 32 <= cols; k += 32)
                    for (int i = 0; i < 16; i++)
                    {
                        dot = MathF.FusedMultiplyAdd(x[k + i], BitConverter.Int32BitsToSingle(row[k + 2 * i] << 16), dot);
                        dot = MathF.FusedMultiplyAdd(x[k + 16 + i], BitConverter.Int32BitsToSingle(row[k + 2 * i + 1] << 16), dot);
                    }
            }
            for (; k < cols; k++) dot = MathF.FusedMultiplyAdd(x[k], BitConverter.Int32BitsToSingle(row[k] << 16), dot);
            y[r] = accumulate ? y[r] + dot : dot;
        }
    }

    private static void GemmPart(int part, void* state)
    {
        ref Args a = ref Unsafe.AsRef<Args>(state);
        int n = a.Transposed ? a.Cols : a.Rows, k = a.Transposed ? a.Rows : a.Cols;
        int panels = (n + NR - 1) / NR;
        int p0 = (int)((long)panels * part / a.Parts), p1 = (int)((long)panels * (part + 1) / a.Parts);
        float* aPack = APackBuffer((a.M + MR - 1) / MR * MR * KC);
        float* panel = PanelBuffer();
        for (int pc = 0; pc < k; pc += KC)
        {
            int kc = Math.Min(KC, k - pc);
            bool acc = a.Accumulate || pc > 0;
            MatMul.PackA(a.X + pc, a.Ldx, a.M, kc, aPack);
            for (int p = p0; p < p1; p++)
            {
                int col = p * NR, cols = Math.Min(NR, n - col);
                if (a.Transposed) FillPanelOfW(a.W, a.Cols, pc, kc, col, cols, panel);
                else FillPanelOfWt(a.W, a.Cols, pc, kc, col, cols, panel);
                for (int ir = 0; ir < a.M; ir += MR)
                    MatMul.MicroKernel(aPack + (nint)ir * kc, panel, kc, a.Y + (nint)ir * a.Ldy + col, a.Ldy, Math.Min(MR, a.M - ir), cols, acc);
            }
        }
    }

    /// <summary>Forward panel: panel[kk·32 + j] = W[col + j, pc + kk].</summary>
    private static void FillPanelOfWt(ushort* w, int ldw, int pc, int kc, int col, int cols, float* panel)
    {
        uint* dst = (uint*)panel;
        for (int j = 0; j < cols; j++)
        {
            ushort* src = w + (nint)(col + j) * ldw + pc;
            for (int kk = 0; kk < kc; kk++) dst[kk * NR + j] = (uint)src[kk] << 16;
        }
    }

    /// <summary>Backward panel: panel[kk·32 + j] = W[pc + kk, col + j], 32 consecutive values of a row.</summary>
    private static void FillPanelOfW(ushort* w, int ldw, int pc, int kc, int col, int cols, float* panel)
    {
        for (int kk = 0; kk < kc; kk++)
        {
            ushort* src = w + (nint)(pc + kk) * ldw + col;
            uint* dst = (uint*)(panel + kk * NR);
            for (int j = 0; j < cols; j++) dst[j] = (uint)src[j] << 16;
        }
    }

    private static float* APackBuffer(int floats) => Scratch.Grow(ref t_aPack, ref t_aPackFloats, floats);

    private static float* XPermBuffer(int floats) => Scratch.Grow(ref t_xPerm, ref t_xPermFloats, floats);

    private static float* PanelBuffer()
    {
        if (t_panel == null)
        {
            t_panel = (float*)NativeMemory.AlignedAlloc((nuint)(KC * NR * sizeof(float)), 64);
            NativeMemory.Clear(t_panel, (nuint)(KC * NR * sizeof(float)));
        }
        return t_panel;
    }
}
