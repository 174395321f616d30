using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ShawBot.Engine.Kernels;

namespace ShawBot.Engine.Lora;

/// <summary>
/// y += s · (x Aᵀ) Bᵀ for one row x, with A [r, In] and B [Out, r] in PEFT's row-major layout:
/// t = A x is r dot products over In (parts of r per worker), then y_j += s · ⟨B_j, t⟩ over row
/// ranges per worker. Both read each adapter value once and allocate nothing.
/// </summary>
internal static unsafe class LoraRow
{
    private struct Args
    {
        public float* X, A, B, T, Y;
        public int R, In, Out, Parts;
        public float Scale;
    }

    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int r, float scale, Span<float> t, Span<float> y)
    {
        fixed (float* px = x) fixed (float* pa = a) fixed (float* pb = b) fixed (float* pt = t) fixed (float* py = y)
        {
            var args = new Args { X = px, A = pa, B = pb, T = pt, Y = py, R = r, In = x.Length, Out = y.Length, Scale = scale };
            args.Parts = (long)r * x.Length < 1 << 16 ? 1 : Math.Min(WorkerPool.Concurrency, r);
            WorkerPool.Run(args.Parts, &DownPart, Unsafe.AsPointer(ref args));
            args.Parts = (long)r * y.Length < 1 << 16 ? 1 : WorkerPool.Concurrency;
            WorkerPool.Run(args.Parts, &UpPart, Unsafe.AsPointer(ref args));
        }
    }

    /// <summary>
    /// t[k] = ⟨A_k, x⟩ for this part's k: up to 4 rows of A at a time share each load of x, each
    /// with two accumulators (the rows stream side by side; the FMA latency is covered).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DownPart(int part, void* state)
    {
        ref Args s = ref Unsafe.AsRef<Args>(state);
        int k0 = s.R * part / s.Parts, k1 = s.R * (part + 1) / s.Parts, n = s.In;
        float* x = s.X;
        for (int k = k0; k < k1; k += 4)
        {
            int rows = Math.Min(4, k1 - k);
            float* a0 = s.A + (long)k * n, a1 = rows > 1 ? a0 + n : a0, a2 = rows > 2 ? a0 + 2L * n : a0, a3 = rows > 3 ? a0 + 3L * n : a0;
            int i = 0;
            float d0 = 0, d1 = 0, d2 = 0, d3 = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<float> p0 = default, p1 = default, p2 = default, p3 = default, q0 = default, q1 = default, q2 = default, q3 = default;
                for (; i + 16 <= n; i += 16)
                {
                    var xa = Vector256.Load(x + i);
                    var xb = Vector256.Load(x + i + 8);
                    p0 += Vector256.Load(a0 + i) * xa; q0 += Vector256.Load(a0 + i + 8) * xb;
                    p1 += Vector256.Load(a1 + i) * xa; q1 += Vector256.Load(a1 + i + 8) * xb;
                    p2 += Vector256.Load(a2 + i) * xa; q2 += Vector256.Load(a2 + i + 8) * xb;
                    p3 += Vector256.Load(a3 + i) * xa; q3 += Vector256.Load(a3 + i + 8) * xb;
                }
                d0 = Vector256.Sum(p0 + q0); d1 = Vector256.Sum(p1 + q1); d2 = Vector256.Sum(p2 + q2); d3 = Vector256.Sum(p3 + q3);
            }
            for (; i < n; i++) { d0 += a0[i] * x[i]; d1 += a1[i] * x[i]; d2 += a2[i] * x[i]; d3 += a3[i] * x[i]; }
            s.T[k] = d0;
            if (rows > 1) s.T[k + 1] = d1;
            if (rows > 2) s.T[k + 2] = d2;
            if (rows > 3) s.T[k + 3] = d3;
        }
    }

    /// <summary>y[j] += scale · ⟨B_j, t⟩ for this part's rows j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UpPart(int part, void* state)
    {
        ref Args s = ref Unsafe.AsRef<Args>(state);
        int j0 = (int)((long)s.Out * part / s.Parts), j1 = (int)((long)s.Out * (part + 1) / s.Parts), r = s.R;
        float* t = s.T;
        if (r == 16 && Vector512.IsHardwareAccelerated)
        {
            var tv = Vector512.Load(t);
            for (int j = j0; j < j1; j++) s.Y[j] += s.Scale * Vector512.Sum(Vector512.Load(s.B + (long)j * 16) * tv);
            return;
        }
        if (r % 8 == 0 && Vector256.IsHardwareAccelerated)
        {
            for (int j = j0; j < j1; j++)
            {
                float* bj = s.B + (long)j * r;
                var acc = Vector256<float>.Zero;
                for (int k = 0; k < r; k += 8) acc += Vector256.Load(bj + k) * Vector256.Load(t + k);
                s.Y[j] += s.Scale * Vector256.Sum(acc);
            }
            return;
        }
        for (int j = j0; j < j1; j++)
        {
            float* bj = s.B + (long)j * r;
            float sum = 0;
            for (int k = 0; k < r; k++) sum += bj[k] * t[k];
            s.Y[j] += s.Scale * sum;
        }
    }
}
