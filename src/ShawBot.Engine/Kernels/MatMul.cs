using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ShawBot.Engine.Kernels;

/// <summary>
/// Y[M, N] (+)= X[M, K] · Wᵀ with W [N, K] pre-packed into 32-wide panels (<see cref="PackedMatrix"/>).
/// Blocked like BLIS: K in slices of <see cref="KC"/> (one 16 KB slice of a panel stays in L1),
/// rows in slices of <see cref="MC"/> packed into MR-row tiles (in L2), and the MR × 32 micro-kernel
/// keeps its 12 accumulators in registers. The two cores take fixed halves of the panels.
/// </summary>
public static unsafe partial class MatMul
{
    internal const int MR = 6;
    internal const int KC = 256;
    internal const int MC = 240;
    private const int NR = PackedMatrix.PanelWidth;

    [ThreadStatic] private static float* t_aPack;   // MC × KC, per thread, allocated once

    /// <summary>Instruction sets the kernels may use; tests lower it to check the fallbacks on AVX-512 machines.</summary>
    internal enum Isa { Avx512, Avx2, Scalar }

    internal static Isa MaxIsa { get; set; } = Isa.Avx512;

    internal static bool UseAvx512 => Avx512F.IsSupported && MaxIsa == Isa.Avx512;
    internal static bool UseAvx2 => Fma.IsSupported && Avx2.IsSupported && MaxIsa != Isa.Scalar;

    /// <summary>
    /// y = x · Wᵀ (or y += x · Wᵀ when <paramref name="accumulate"/>): x is [m, K] with row stride
    /// <paramref name="ldx"/>, y is [m, N] with row stride <paramref name="ldy"/>.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> x, int m, int ldx, PackedMatrix w, Span<float> y, int ldy, bool accumulate = false)
    {
        ArgumentNullException.ThrowIfNull(w);
        CheckShapes(x.Length, m, ldx, w.K, y.Length, ldy, w.N);
        fixed (float* px = x) fixed (float* py = y)
            Forward(px, m, ldx, w, py, ldy, accumulate);
    }

    /// <summary>y = x · Wᵀ for contiguous x [m, K] and y [m, N].</summary>
    public static void Forward(ReadOnlySpan<float> x, int m, PackedMatrix w, Span<float> y, bool accumulate = false)
        => Forward(x, m, w.K, w, y, w.N, accumulate);

    internal static void CheckShapes(long xLen, int m, int ldx, int k, long yLen, int ldy, int n)
    {
        if (m < 0) throw new ArgumentOutOfRangeException(nameof(m), m, "row count must be non-negative");
        if (ldx < k) throw new ArgumentException($"x row stride {ldx} is shorter than K = {k}", nameof(ldx));
        if (ldy < n) throw new ArgumentException($"y row stride {ldy} is shorter than N = {n}", nameof(ldy));
        if (m > 0 && xLen < (long)(m - 1) * ldx + k) throw new ArgumentException($"x holds {xLen} values, [{m}, {k}] with stride {ldx} needs {(long)(m - 1) * ldx + k}", "x");
        if (m > 0 && yLen < (long)(m - 1) * ldy + n) throw new ArgumentException($"y holds {yLen} values, [{m}, {n}] with stride {ldy} needs {(long)(m - 1) * ldy + n}", "y");
    }

    private struct Args
    {
        public float* X; public int M; public int Ldx;
        public PackedMatrix W; public float* Y; public int Ldy;
        public bool Accumulate; public int Parts;
    }

    internal static void Forward(float* x, int m, int ldx, PackedMatrix w, float* y, int ldy, bool accumulate)
    {
        if (m == 0) return;
        int parts = Math.Min(WorkerPool.Concurrency, w.Panels);
        // Small problems: one thread avoids the fork-join cost (≈ 5 µs) where work is < ~50 µs.
        if ((long)m * w.N * w.K < 1 << 18) parts = 1;
        var args = new Args { X = x, M = m, Ldx = ldx, W = w, Y = y, Ldy = ldy, Accumulate = accumulate, Parts = parts };
        WorkerPool.Run(parts, &RunPart, Unsafe.AsPointer(ref args));
    }

    private static void RunPart(int part, void* state)
    {
        ref Args a = ref Unsafe.AsRef<Args>(state);
        int panels = a.W.Panels;
        int p0 = (int)((long)panels * part / a.Parts), p1 = (int)((long)panels * (part + 1) / a.Parts);
        if (a.M == 1) Gemv(a.X, a.W, p0, p1, a.Y, a.Accumulate);
        else Gemm(a.X, a.M, a.Ldx, a.W, p0, p1, a.Y, a.Ldy, a.Accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gemm(float* x, int m, int ldx, PackedMatrix w, int p0, int p1, float* y, int ldy, bool accumulate)
    {
        if (t_aPack == null) t_aPack = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(MC * KC * sizeof(float)), 64);
        float* aPack = t_aPack;
        int k = w.K, n = w.N;
        for (int pc = 0; pc < k; pc += KC)
        {
            int kc = Math.Min(KC, k - pc);
            bool acc = accumulate || pc > 0;
            for (int ic = 0; ic < m; ic += MC)
            {
                int mc = Math.Min(MC, m - ic);
                PackA(x + (nint)ic * ldx + pc, ldx, mc, kc, aPack);
                for (int p = p0; p < p1; p++)
                {
                    float* b = w.Panel(p) + (nint)pc * NR;
                    int col = p * NR, cols = Math.Min(NR, n - col);
                    for (int ir = 0; ir < mc; ir += MR)
                    {
                        int rows = Math.Min(MR, mc - ir);
                        float* c = y + (nint)(ic + ir) * ldy + col;
                        MicroKernel(aPack + (nint)ir * kc, b, kc, c, ldy, rows, cols, acc);
                    }
                }
            }
        }
    }

    /// <summary>Copies x[mc, kc] into MR-row tiles: tile t holds <c>a[k * MR + i] = x[t·MR + i, k]</c>, rows past mc zero.</summary>
    internal static void PackA(float* x, int ldx, int mc, int kc, float* dst)
    {
        for (int ir = 0; ir < mc; ir += MR)
        {
            int rows = Math.Min(MR, mc - ir);
            float* tile = dst + (nint)ir * kc;
            for (int i = 0; i < rows; i++)
            {
                float* src = x + (nint)(ir + i) * ldx;
                for (int kk = 0; kk < kc; kk++) tile[kk * MR + i] = src[kk];
            }
            for (int i = rows; i < MR; i++)
                for (int kk = 0; kk < kc; kk++) tile[kk * MR + i] = 0f;
        }
    }

    /// <summary>C[rows, cols] (+)= Apack[kc, MR]ᵀ-tile · B[kc, 32]; full tiles go straight to C, edges via a stack tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MicroKernel(float* a, float* b, int kc, float* c, int ldc, int rows, int cols, bool accumulate)
    {
        if (rows == MR && cols == NR)
        {
            if (UseAvx512) { Kernel6x32Avx512(a, b, kc, c, ldc, accumulate); return; }
            if (UseAvx2) { Kernel6x32Avx2(a, b, kc, c, ldc, accumulate); return; }
            KernelScalar(a, b, kc, c, ldc, MR, NR, accumulate);
            return;
        }
        float* tile = stackalloc float[MR * NR];
        if (UseAvx512) Kernel6x32Avx512(a, b, kc, tile, NR, false);
        else if (UseAvx2) Kernel6x32Avx2(a, b, kc, tile, NR, false);
        else KernelScalar(a, b, kc, tile, NR, MR, NR, false);
        for (int i = 0; i < rows; i++)
        {
            float* dst = c + (nint)i * ldc, src = tile + i * NR;
            if (accumulate) for (int j = 0; j < cols; j++) dst[j] += src[j];
            else for (int j = 0; j < cols; j++) dst[j] = src[j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x32Avx512(float* a, float* b, int kc, float* c, int ldc, bool accumulate)
    {
        // C rows are 16 KB apart and fell out of cache since the previous K slice: start their
        // loads now so they arrive while the FMAs run, not after.
        if (accumulate)
            for (int i = 0; i < MR; i++) { Sse.Prefetch0(c + (nint)i * ldc); Sse.Prefetch0(c + (nint)i * ldc + 16); }
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Avx512F.LoadAlignedVector512(b);
            var b1 = Avx512F.LoadAlignedVector512(b + 16);
            var a0 = Vector512.Create(a[0]); c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00); c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]); c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10); c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]); c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20); c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]); c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30); c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]); c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40); c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]); c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50); c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51);
            a += MR; b += NR;
        }
        Store(c, c00, c01, accumulate); c += ldc;
        Store(c, c10, c11, accumulate); c += ldc;
        Store(c, c20, c21, accumulate); c += ldc;
        Store(c, c30, c31, accumulate); c += ldc;
        Store(c, c40, c41, accumulate); c += ldc;
        Store(c, c50, c51, accumulate);

        static void Store(float* c, Vector512<float> v0, Vector512<float> v1, bool accumulate)
        {
            if (accumulate) { v0 += Vector512.Load(c); v1 += Vector512.Load(c + 16); }
            v0.Store(c); v1.Store(c + 16);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x32Avx2(float* a, float* b, int kc, float* c, int ldc, bool accumulate)
    {
        // 16 ymm registers cannot hold 6 × 4 accumulators: do the 32 columns as two 16-wide halves.
        for (int half = 0; half < 2; half++)
        {
            float* bh = b + half * 16;
            Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
            Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
            float* ak = a;
            for (int k = 0; k < kc; k++)
            {
                var b0 = Avx.LoadVector256(bh + k * NR);
                var b1 = Avx.LoadVector256(bh + k * NR + 8);
                var a0 = Vector256.Create(ak[0]); c00 = Fma.MultiplyAdd(a0, b0, c00); c01 = Fma.MultiplyAdd(a0, b1, c01);
                var a1 = Vector256.Create(ak[1]); c10 = Fma.MultiplyAdd(a1, b0, c10); c11 = Fma.MultiplyAdd(a1, b1, c11);
                var a2 = Vector256.Create(ak[2]); c20 = Fma.MultiplyAdd(a2, b0, c20); c21 = Fma.MultiplyAdd(a2, b1, c21);
                var a3 = Vector256.Create(ak[3]); c30 = Fma.MultiplyAdd(a3, b0, c30); c31 = Fma.MultiplyAdd(a3, b1, c31);
                var a4 = Vector256.Create(ak[4]); c40 = Fma.MultiplyAdd(a4, b0, c40); c41 = Fma.MultiplyAdd(a4, b1, c41);
                var a5 = Vector256.Create(ak[5]); c50 = Fma.MultiplyAdd(a5, b0, c50); c51 = Fma.MultiplyAdd(a5, b1, c51);
                ak += MR;
            }
            float* ch = c + half * 16;
            Store(ch, c00, c01, accumulate); ch += ldc;
            Store(ch, c10, c11, accumulate); ch += ldc;
            Store(ch, c20, c21, accumulate); ch += ldc;
            Store(ch, c30, c31, accumulate); ch += ldc;
            Store(ch, c40, c41, accumulate); ch += ldc;
            Store(ch, c50, c51, accumulate);
        }

        static void Store(float* c, Vector256<float> v0, Vector256<float> v1, bool accumulate)
        {
            if (accumulate) { v0 += Vector256.Load(c); v1 += Vector256.Load(c + 8); }
            v0.Store(c); v1.Store(c + 8);
        }
    }

    private static void KernelScalar(float* a, float* b, int kc, float* c, int ldc, int mr, int nr, bool accumulate)
    {
        for (int i = 0; i < mr; i++)
            for (int j = 0; j < nr; j++)
            {
                float s = 0f;
                for (int k = 0; k < kc; k++) s = MathF.FusedMultiplyAdd(a[k * mr + i], b[k * nr + j], s);
                c[(nint)i * ldc + j] = accumulate ? c[(nint)i * ldc + j] + s : s;
            }
    }

    /// <summary>Decode path (one row): y[n] = Σk x[k]·W[n, k] over panels [p0, p1); bandwidth-bound, so 4 k-steps in flight.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gemv(float* x, PackedMatrix w, int p0, int p1, float* y, bool accumulate)
    {
        int k = w.K, n = w.N;
        float* tile = stackalloc float[NR];
        for (int p = p0; p < p1; p++)
        {
            float* b = w.Panel(p);
            if (UseAvx512)
            {
                Vector512<float> s0 = default, s1 = default, t0 = default, t1 = default;
                Vector512<float> u0 = default, u1 = default, v0 = default, v1 = default;
                int kk = 0;
                for (; kk + 4 <= k; kk += 4, b += 4 * NR)
                {
                    var x0 = Vector512.Create(x[kk]); var x1 = Vector512.Create(x[kk + 1]);
                    var x2 = Vector512.Create(x[kk + 2]); var x3 = Vector512.Create(x[kk + 3]);
                    s0 = Avx512F.FusedMultiplyAdd(x0, Avx512F.LoadAlignedVector512(b), s0);
                    s1 = Avx512F.FusedMultiplyAdd(x0, Avx512F.LoadAlignedVector512(b + 16), s1);
                    t0 = Avx512F.FusedMultiplyAdd(x1, Avx512F.LoadAlignedVector512(b + 32), t0);
                    t1 = Avx512F.FusedMultiplyAdd(x1, Avx512F.LoadAlignedVector512(b + 48), t1);
                    u0 = Avx512F.FusedMultiplyAdd(x2, Avx512F.LoadAlignedVector512(b + 64), u0);
                    u1 = Avx512F.FusedMultiplyAdd(x2, Avx512F.LoadAlignedVector512(b + 80), u1);
                    v0 = Avx512F.FusedMultiplyAdd(x3, Avx512F.LoadAlignedVector512(b + 96), v0);
                    v1 = Avx512F.FusedMultiplyAdd(x3, Avx512F.LoadAlignedVector512(b + 112), v1);
                }
                for (; kk < k; kk++, b += NR)
                {
                    var x0 = Vector512.Create(x[kk]);
                    s0 = Avx512F.FusedMultiplyAdd(x0, Avx512F.LoadAlignedVector512(b), s0);
                    s1 = Avx512F.FusedMultiplyAdd(x0, Avx512F.LoadAlignedVector512(b + 16), s1);
                }
                ((s0 + t0) + (u0 + v0)).Store(tile);
                ((s1 + t1) + (u1 + v1)).Store(tile + 16);
            }
            else
            {
                for (int j = 0; j < NR; j++) tile[j] = 0f;
                for (int kk = 0; kk < k; kk++, b += NR)
                {
                    float xv = x[kk];
                    for (int j = 0; j < NR; j++) tile[j] = MathF.FusedMultiplyAdd(xv, b[j], tile[j]);
                }
            }
            int col = p * NR, cols = Math.Min(NR, n - col);
            if (accumulate) for (int j = 0; j < cols; j++) y[col + j] += tile[j];
            else for (int j = 0; j < cols; j++) y[col + j] = tile[j];
        }
    }

    /// <summary>Plain triple loop on the unpacked [N, K] weight, in double: what the fast paths are tested against.</summary>
    public static void Reference(ReadOnlySpan<float> x, int m, ReadOnlySpan<float> w, int n, int k, Span<float> y, bool accumulate = false)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int kk = 0; kk < k; kk++) s += (double)x[i * k + kk] * w[j * k + kk];
                y[i * n + j] = accumulate ? (float)(y[i * n + j] + s) : (float)s;
            }
    }
}
