using System.Diagnostics;
using ShawBot.Engine.Model;

namespace ShawBot.Bench;

/// <summary>lm_head GEMV (32000 × 4096) in packed fp32 and in BF16: GB/s of weight bytes read.</summary>
internal static class HeadBench
{
    public static void Run()
    {
        const int v = 32000, c = 4096;
        var rng = new Random(5);
        var w = new float[(long)v * c];
        for (long i = 0; i < w.Length; i++) w[i] = (float)(rng.NextDouble() * 0.06 - 0.03);
        var x = new float[c]; var y = new float[v];
        for (int i = 0; i < c; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        using var dense = DenseLinear.FromRowMajor(w, v, c);
        using var bf16 = Bf16Linear.FromFloat32(w, v, c);
        foreach ((string name, ILinear lin) in new (string, ILinear)[] { ("fp32", dense), ("bf16", bf16) })
        {
            for (int r = 0; r < 3; r++) lin.Forward(x, 1, c, y, v, false);
            double best = double.MaxValue;
            for (int rep = 0; rep < 5; rep++)
            {
                var sw = Stopwatch.StartNew();
                for (int r = 0; r < 10; r++) lin.Forward(x, 1, c, y, v, false);
                best = Math.Min(best, sw.Elapsed.TotalSeconds / 10);
            }
            Console.WriteLine($"{{\"figure\":\"head-gemv\",\"format\":\"{name}\",\"rows\":{v},\"cols\":{c},\"mb\":{lin.SizeInBytes / 1e6:F0},\"ms\":{best * 1e3:F2},\"gb_s\":{lin.SizeInBytes / best / 1e9:F1}}}");
        }
    }
}
