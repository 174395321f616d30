using System.Diagnostics;
using ShawBot.Engine.Kernels;

namespace ShawBot.Bench;

/// <summary>fp32 GEMM (m = 512) and GEMV (m = 1) on a 4096 × 4096 packed weight.</summary>
internal static class MatMulBench
{
    public static void Run()
    {
        var rng = new Random(1);
        float[] Rand(long n) { var a = new float[n]; for (long i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1); return a; }
        int K = 4096, N = 4096;
        using var w = PackedMatrix.FromRowMajor(Rand((long)N * K), N, K);
        foreach (int M in new[] { 512, 1 })
        {
            var x = Rand((long)M * K); var y = new float[(long)M * N];
            MatMul.Forward(x, M, w, y);
            int reps = M == 1 ? 200 : 5; var sw = Stopwatch.StartNew();
            for (int r = 0; r < reps; r++) MatMul.Forward(x, M, w, y);
            double t = sw.Elapsed.TotalSeconds / reps;
            Console.WriteLine($"{{\"figure\":\"matmul\",\"m\":{M},\"k\":{K},\"n\":{N},\"ms\":{t * 1e3:F3},\"gflops\":{2.0 * M * N * K / t / 1e9:F1}}}");
        }
    }
}
