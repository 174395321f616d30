using System.Diagnostics;
using ShawBot.Engine.Kernels;
using ShawBot.Engine.Quantization;
using ShawBot.Engine.Model;

namespace ShawBot.Bench;

/// <summary>
/// Fused 4-bit GEMV (decode) over a ~150 MB weight of packed codes, far beyond the caches, so every
/// call streams the weight from DRAM: 14336 × 20480 (wide rows, done in column tiles) and
/// 73728 × 4096 (rows as wide as Mistral's q/k/v/o/gate/up inputs). Random codes and scales (the
/// kernel's speed does not depend on the values). Also the 4-bit GEMM (m = 64, 512) and backward.
/// </summary>
internal static unsafe class Nf4GemvBench
{
    public static void Run(int rows = 14336, int cols = 20480, bool gemm = true)
    {
        long n = (long)rows * cols;
        var rng = new Random(3);
        var packed = new byte[n / 2];
        rng.NextBytes(packed);
        int blocks = (int)(n / 64);
        var absmax = new float[blocks];
        for (int b = 0; b < blocks; b++) absmax[b] = 0.01f + (float)rng.NextDouble() * 0.02f;
        foreach (var type in new[] { QuantType4Bit.Nf4, QuantType4Bit.Fp4 })
        {
            using var lin = new Nf4Linear(QuantizedTensor4Bit.FromParts(type, rows, cols, 64, packed, absmax));
            var x = new float[cols]; var y = new float[rows];
            for (int i = 0; i < cols; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
            // Every m = 1 kernel this CPU and shape can run (Pairs is the default where AVX512BW exists); FP4 only on the default.
            var kernel = lin.Kernel;
            foreach (var path in new[] { MatMul4Bit.GemvPath.Pairs, MatMul4Bit.GemvPath.Lanes, MatMul4Bit.GemvPath.Chunks, MatMul4Bit.GemvPath.Avx2 })
            {
                if (!MatMul4Bit.Supports(kernel, path) || (type == QuantType4Bit.Fp4 && path != MatMul4Bit.GemvPath.Pairs)) continue;
                void Call()
                {
                    fixed (float* px = x) fixed (float* py = y) MatMul4Bit.Forward(kernel, px, 1, cols, py, rows, false, path);
                }
                for (int r = 0; r < 3; r++) Call();
                // Wall time (best and median of 9) and CPU time (all threads, best of 9): the machine is shared, and
                // CPU seconds per call show what the kernel costs when it is not descheduled.
                double best = double.MaxValue, bestCpu = double.MaxValue;
                var walls = new List<double>();
                var proc = Process.GetCurrentProcess();
                for (int rep = 0; rep < 9; rep++)
                {
                    int calls = (int)Math.Max(10, 2e9 / n);
                    proc.Refresh();
                    TimeSpan cpu0 = proc.TotalProcessorTime;
                    var sw = Stopwatch.StartNew();
                    for (int r = 0; r < calls; r++) Call();
                    best = Math.Min(best, sw.Elapsed.TotalSeconds / calls);
                    walls.Add(sw.Elapsed.TotalSeconds / calls);
                    proc.Refresh();
                    bestCpu = Math.Min(bestCpu, (proc.TotalProcessorTime - cpu0).TotalSeconds / calls);
                }
                double bytes = packed.Length, withScales = packed.Length + absmax.Length * 4.0;
                Console.WriteLine($"{{\"figure\":\"nf4-gemv\",\"type\":\"{type.ToBnbName()}\",\"kernel\":\"{path}\",\"rows\":{rows},\"cols\":{cols},\"threads\":{WorkerPool.Concurrency},"
                    + $"\"packed_mb\":{bytes / 1e6:F1},\"ms\":{best * 1e3:F3},\"packed_gb_s\":{bytes / best / 1e9:F1},\"median_packed_gb_s\":{bytes / walls.Order().ElementAt(walls.Count / 2) / 1e9:F1},\"with_scales_gb_s\":{withScales / best / 1e9:F1},\"cpu_ms\":{bestCpu * 1e3:F2},\"packed_gb_per_cpu_s\":{bytes / bestCpu / 1e9:F1}}}");
            }
        }
        if (!gemm || rows != 14336) return;
        // Prefill/training shapes on a 4096 × 14336 slice (down_proj of a 7B layer).
        {
            const int r2 = 4096, c2 = 14336;
            var q = QuantizedTensor4Bit.FromParts(QuantType4Bit.Nf4, r2, c2, 64, packed.AsSpan(0, r2 * c2 / 2).ToArray(), absmax.AsSpan(0, r2 * c2 / 64).ToArray());
            using var lin = new Nf4Linear(q);
            foreach (int m in new[] { 64, 512 })
            {
                var x = new float[m * c2]; var y = new float[m * r2];
                for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
                lin.Forward(x, m, c2, y, r2, false);
                double best = double.MaxValue;
                for (int rep = 0; rep < 3; rep++) { var sw = Stopwatch.StartNew(); lin.Forward(x, m, c2, y, r2, false); best = Math.Min(best, sw.Elapsed.TotalSeconds); }
                Console.WriteLine($"{{\"figure\":\"nf4-gemm\",\"m\":{m},\"rows\":{r2},\"cols\":{c2},\"ms\":{best * 1e3:F2},\"gflops\":{2.0 * m * r2 * c2 / best / 1e9:F1}}}");
                lin.BackwardInput(y, m, r2, x, c2, false);
                best = double.MaxValue;
                for (int rep = 0; rep < 3; rep++) { var sw = Stopwatch.StartNew(); lin.BackwardInput(y, m, r2, x, c2, false); best = Math.Min(best, sw.Elapsed.TotalSeconds); }
                Console.WriteLine($"{{\"figure\":\"nf4-backward-input\",\"m\":{m},\"rows\":{r2},\"cols\":{c2},\"ms\":{best * 1e3:F2},\"gflops\":{2.0 * m * r2 * c2 / best / 1e9:F1}}}");
            }
        }
    }
}
