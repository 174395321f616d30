using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ShawBot.Engine.Kernels;

/// <summary>
/// General C[M, N] (+)= op(A)[M, K] · op(B)[K, N] on unpacked row-major operands, for training
/// (dX = dY·W, dW = dYᵀ·X, full-mode forward). Both operands are packed on the fly into the
/// layouts of <see cref="MatMul"/>'s micro-kernel: A in MR-row tiles, B in 32-wide panels of one
/// K slice. Re-packing B per row block costs K·N per MC rows, under 0.3% of the 2·MC·K·N FLOPs.
/// Threads take fixed ranges of B panels, so results do not depend on timing.
/// </summary>
public static unsafe class Gemm
{
    private const int MR = MatMul.MR, KC = MatMul.KC, MC = MatMul.MC, NR = PackedMatrix.PanelWidth;

    [ThreadStatic] private static float* t_a;   // MC × KC
    [ThreadStatic] private static float* t_b;   // KC × NR

    private struct Args
    {
        public float* A, B, C;
        public int M, N, K, Lda, Ldb, Ldc, Parts;
        public bool TransA, TransB, Accumulate, SplitRows;
    }

    /// <summary>
    /// op(A) = A [M, K] (row stride lda) or, when transA, Aᵀ with A stored [K, M];
    /// op(B) = B [K, N] or, when transB, Bᵀ with B stored [N, K].
    /// </summary>
    public static void Multiply(int m, int n, int k,
        ReadOnlySpan<float> a, int lda, bool transA,
        ReadOnlySpan<float> b, int ldb, bool transB,
        Span<float> c, int ldc, bool accumulate)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), $"shape [{m}, {n}, {k}] must be non-negative");
        if (m == 0 || n == 0) return;
        CheckOperand(a.Length, transA ? k : m, transA ? m : k, lda, "a");
        CheckOperand(b.Length, transB ? n : k, transB ? k : n, ldb, "b");
        CheckOperand(c.Length, m, n, ldc, "c");
        if (k == 0)
        {
            if (!accumulate) for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            return;
        }
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
        {
            int panels = (n + NR - 1) / NR;
            var args = new Args
            {
                A = pa, B = pb, C = pc, M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc,
                TransA = transA, TransB = transB, Accumulate = accumulate,
                Parts = (long)m * n * k < 1 << 18 ? 1 : WorkerPool.Concurrency,
            };
            // Few column panels (a narrow C such as dW of the head, [V, C]): split the rows instead,
            // so each thread packs only its own rows of A rather than every thread packing all of it.
            args.SplitRows = panels < 2 * args.Parts && m >= 2 * MR * args.Parts;
            if (!args.SplitRows) args.Parts = Math.Min(args.Parts, panels);
            WorkerPool.Run(args.Parts, &Part, Unsafe.AsPointer(ref args));
        }
    }

    private static void CheckOperand(long length, int rows, int cols, int ld, string name)
    {
        if (ld < cols) throw new ArgumentException($"{name}: row stride {ld} is shorter than its {cols} columns", name);
        if (rows > 0 && length < (long)(rows - 1) * ld + cols)
            throw new ArgumentException($"{name} holds {length} values, [{rows}, {cols}] with stride {ld} needs {(long)(rows - 1) * ld + cols}", name);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Part(int part, void* state)
    {
        ref Args g = ref Unsafe.AsRef<Args>(state);
        if (t_a == null) t_a = (float*)NativeMemory.AlignedAlloc(MC * KC * sizeof(float), 64);
        if (t_b == null) t_b = (float*)NativeMemory.AlignedAlloc(KC * NR * sizeof(float), 64);
        float* aPack = t_a, bPack = t_b;
        int panels = (g.N + NR - 1) / NR;
        int p0 = 0, p1 = panels, r0 = 0, r1 = g.M;
        if (g.SplitRows)
        {
            int tiles = (g.M + MR - 1) / MR;
            r0 = (int)((long)tiles * part / g.Parts) * MR;
            r1 = Math.Min(g.M, (int)((long)tiles * (part + 1) / g.Parts) * MR);
        }
        else
        {
            p0 = (int)((long)panels * part / g.Parts); p1 = (int)((long)panels * (part + 1) / g.Parts);
        }
        for (int pc = 0; pc < g.K; pc += KC)
        {
            int kc = Math.Min(KC, g.K - pc);
            bool acc = g.Accumulate || pc > 0;
            for (int ic = r0; ic < r1; ic += MC)
            {
                int mc = Math.Min(MC, r1 - ic);
                PackA(ref g, ic, mc, pc, kc, aPack);
                for (int p = p0; p < p1; p++)
                {
                    int col = p * NR, cols = Math.Min(NR, g.N - col);
                    PackB(ref g, pc, kc, col, cols, bPack);
                    for (int ir = 0; ir < mc; ir += MR)
                        MatMul.MicroKernel(aPack + (nint)ir * kc, bPack, kc, g.C + (nint)(ic + ir) * g.Ldc + col, g.Ldc,
                            Math.Min(MR, mc - ir), cols, acc);
                }
            }
        }
    }

    /// <summary>Tile t: a[k·MR + i] = op(A)[ic + t·MR + i, pc + k]; rows past mc are zero.</summary>
    private static void PackA(ref Args g, int ic, int mc, int pc, int kc, float* dst)
    {
        for (int ir = 0; ir < mc; ir += MR)
        {
            int rows = Math.Min(MR, mc - ir);
            float* tile = dst + (nint)ir * kc;
            if (!g.TransA)
            {
                for (int i = 0; i < rows; i++)
                {
                    float* src = g.A + (nint)(ic + ir + i) * g.Lda + pc;
                    for (int k = 0; k < kc; k++) tile[k * MR + i] = src[k];
                }
            }
            else
            {
                for (int k = 0; k < kc; k++)
                {
                    float* src = g.A + (nint)(pc + k) * g.Lda + ic + ir;
                    for (int i = 0; i < rows; i++) tile[k * MR + i] = src[i];
                }
            }
            for (int i = rows; i < MR; i++)
                for (int k = 0; k < kc; k++) tile[k * MR + i] = 0f;
        }
    }

    /// <summary>b[k·32 + j] = op(B)[pc + k, col + j]; columns past cols are zero.</summary>
    private static void PackB(ref Args g, int pc, int kc, int col, int cols, float* dst)
    {
        if (!g.TransB)
        {
            for (int k = 0; k < kc; k++)
            {
                float* src = g.B + (nint)(pc + k) * g.Ldb + col;
                float* d = dst + k * NR;
                int j = 0;
                for (; j < cols; j++) d[j] = src[j];
                for (; j < NR; j++) d[j] = 0f;
            }
        }
        else
        {
            for (int j = 0; j < cols; j++)
            {
                float* src = g.B + (nint)(col + j) * g.Ldb + pc;
                for (int k = 0; k < kc; k++) dst[k * NR + j] = src[k];
            }
            for (int j = cols; j < NR; j++)
                for (int k = 0; k < kc; k++) dst[k * NR + j] = 0f;
        }
    }

    /// <summary>The plain triple loop in double, for tests.</summary>
    public static void Reference(int m, int n, int k, ReadOnlySpan<float> a, int lda, bool transA,
        ReadOnlySpan<float> b, int ldb, bool transB, Span<float> c, int ldc, bool accumulate)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int kk = 0; kk < k; kk++)
                    s += (double)(transA ? a[kk * lda + i] : a[i * lda + kk]) * (transB ? b[j * ldb + kk] : b[kk * ldb + j]);
                c[i * ldc + j] = accumulate ? (float)(c[i * ldc + j] + s) : (float)s;
            }
    }
}
