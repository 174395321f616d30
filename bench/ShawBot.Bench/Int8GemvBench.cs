using System.Diagnostics;
using System.Globalization;
using ShawBot.Engine.Kernels;
using ShawBot.Engine.Quantization;
using ShawBot.Engine.Model;

namespace ShawBot.Bench;

/// <summary>
/// `int8 [rows cols m copies]`: NF4 + double-quant weights (default 14336 × 4096, gate_proj of a 7B layer),
/// exact vs each int8 kernel this CPU runs, interleaved in rounds (a shared machine drifts), m rows of x
/// (1 = decode). `copies` > 1 cycles through that many distinct weights per call so the working set
/// outgrows the last-level cache, as decoding a 32-layer model does (one 14336 × 4096 weight is 29 MB
/// and may sit in a large LLC). Prints one JSON line per kernel: median ms per call and the packed GB/s.
/// </summary>
internal static unsafe class Int8GemvBench
{
    public static void Run(int rows, int cols, int m, int copies = 1)
    {
        var rng = new Random(3);
        var w = new float[(long)rows * cols];
        var lins = new Nf4Linear[Math.Max(1, copies)];
        for (int k = 0; k < lins.Length; k++)
        {
            for (long i = 0; i < w.LongLength; i++) w[i] = (float)(rng.NextDouble() * 2 - 1) * 0.03f;
            lins[k] = Nf4Linear.Quantize(w, rows, cols, QuantType4Bit.Nf4, doubleQuant: true);
        }
        int next = 0;
        Nf4Linear Next() => lins[next++ % lins.Length];
        var x = new float[m * cols]; var y = new float[m * rows];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        using var xq = new Int8Activations();
        var runs = new Dictionary<string, Action>
        {
            ["exact"] = () => Next().Forward(x, m, cols, y, rows, false),
            ["quantize-x"] = () => xq.Quantize(x, m, cols, cols),
        };
        foreach (var path in new[] { MatMul4BitInt8.Path.Vbmi, MatMul4BitInt8.Path.Avx2, MatMul4BitInt8.Path.Scalar, MatMul4BitInt8.Path.Gemm })
        {
            try { MatMul4BitInt8.Select(path); } catch (PlatformNotSupportedException) { continue; }
            if (path == MatMul4BitInt8.Path.Scalar && (long)m * rows * cols > 1L << 28) continue;
            if (path == MatMul4BitInt8.Path.Gemm && m < MatMul4BitInt8Gemm.MinRows) continue;
            runs[path.ToString()] = () =>
            {
                xq.Quantize(x, m, cols, cols);
                var kernel = Next().Int8Kernel;
                fixed (float* py = y) MatMul4BitInt8.Forward(kernel, xq, py, rows, false, path);
            };
        }
        foreach (var lin in lins) _ = lin.Int8Kernel;   // builds each copy's int8 scales before the clock starts
        var times = runs.Keys.ToDictionary(k => k, _ => new List<double>());
        for (int round = 0; round < 7; round++)
            foreach (var (name, run) in runs)
            {
                run();
                int calls = Math.Max(1, (int)(1e9 / ((double)rows * cols * m)));
                var sw = Stopwatch.StartNew();
                for (int c = 0; c < calls; c++) run();
                times[name].Add(sw.Elapsed.TotalSeconds / calls);
            }
        double bytes = (double)rows * cols / 2;
        foreach (var (name, t) in times)
        {
            double med = t.Order().ElementAt(t.Count / 2), best = t.Min();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"figure\":\"int8-gemv\",\"kernel\":\"{name}\",\"rows\":{rows},\"cols\":{cols},\"m\":{m},\"copies\":{lins.Length},\"ms\":{med * 1e3:F3},\"best_ms\":{best * 1e3:F3},\"packed_gb_s\":{bytes / med / 1e9:F1},\"gmac_s\":{(double)rows * cols * m / med / 1e9:F1}}}"));
        }
        foreach (var lin in lins) lin.Dispose();
    }
}
