using System.Diagnostics;
using ShawBot.Engine.Kernels;
using ShawBot.Engine.Quantization;
using ShawBot.Engine.Model;

namespace ShawBot.Bench;

/// <summary>
/// A/B of the block-pair GEMV's knobs on a shared machine: configurations interleaved, 25 rounds,
/// best and median per configuration (a single best-of-5 swings ±30 % with the neighbours).
/// A positive value is a maximum tile width in columns, a negative one an L2 prefetch distance in
/// bytes (rows that fit one tile). Usage: gemv-tune ROWS COLS 4096 8192 -2048 -4096 …
/// </summary>
internal static unsafe class GemvTuneBench
{
    public static void Run(int rows, int cols, int[] tiles)
    {
        long n = (long)rows * cols;
        var rng = new Random(3);
        var packed = new byte[n / 2];
        rng.NextBytes(packed);
        var absmax = new float[n / 64];
        for (int b = 0; b < absmax.Length; b++) absmax[b] = 0.01f + (float)rng.NextDouble() * 0.02f;
        using var lin = new Nf4Linear(QuantizedTensor4Bit.FromParts(QuantType4Bit.Nf4, rows, cols, 64, packed, absmax));
        var x = new float[cols]; var y = new float[rows];
        for (int i = 0; i < cols; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        var kernel = lin.Kernel;
        var times = tiles.ToDictionary(t => t, _ => new List<double>());
        for (int round = 0; round < 25; round++)
            foreach (int t in tiles)
            {
                var tuning = t < 0 ? new MatMul4Bit.PairsTuning(0, -t) : new MatMul4Bit.PairsTuning(t, 0);
                var sw = Stopwatch.StartNew();
                int calls = (int)Math.Max(4, 6e8 / n);
                fixed (float* px = x) fixed (float* py = y)
                    for (int c = 0; c < calls; c++) MatMul4Bit.Forward(kernel, px, 1, cols, py, rows, false, MatMul4Bit.GemvPath.Pairs, tuning);
                if (round > 0) times[t].Add(sw.Elapsed.TotalSeconds / calls);
            }
        foreach (var (t, list) in times)
        {
            list.Sort();
            Console.WriteLine($"{{\"figure\":\"gemv-tune\",\"rows\":{rows},\"cols\":{cols},\"{(t < 0 ? "l2_prefetch_bytes" : "max_tile")}\":{Math.Abs(t)},\"best_gb_s\":{packed.Length / list[0] / 1e9:F1},\"median_gb_s\":{packed.Length / list[list.Count / 2] / 1e9:F1}}}");
        }
    }
}
