using ShawBot.Engine.Kernels;
using ShawBot.Engine.Quantization;
using ShawBot.Engine.Model;

namespace ShawBot.Engine.Tests.Kernels;

/// <summary>
/// The int8 fast path. Two kinds of check:
///  - each SIMD kernel against the scalar reference on the same quantized inputs: the integer block
///    sums are exact, so they differ only by fp32 summation order: |kernel − ref| ≤ 1e-5 · Σ_b |s_b·dot_b|;
///  - the whole fast path (quantize x, int8 codebook, BF16 scales) against the exact kernel: relative
///    error ‖y_fast − y_exact‖₂ / ‖y_exact‖₂ ≤ 1.5 % (int8 rounding of x and of the codes, ~0.4 % of a
///    block's absmax per value, and of the scales to BF16; measured 0.5–0.9 % on these shapes).
/// </summary>
public sealed unsafe class MatMul4BitInt8Tests
{
    private const double FastRelError = 0.015;

    [Fact]
    public void GemmRunsWhereTheCpuHasVnni()
    {
        // The GEMM is checked above only where it runs: say so rather than pass silently on an older CPU.
        using var xq = new Int8Activations();
        xq.Quantize(new float[9 * 64], 9, 64, 64);
        Assert.Equal(MatMul4BitInt8Gemm.IsSupported, xq.HasGemmLayout);
        Assert.Equal(MatMul4BitInt8Gemm.IsSupported ? 16 : 0, xq.GemmRows);   // 9 rows → two groups of 8
    }

    [Fact]
    public void AutoKernelsAreFastExactlyWhereTheGemmRuns()
    {
        // auto (the service's and generate's default) picks fast only where prefill has its int8 GEMM: without it
        // the int8 prefill runs row by row and is slower than exact.
        Assert.Equal(MatMul4BitInt8Gemm.IsSupported ? KernelMode.Fast : KernelMode.Exact, KernelModes.Parse("auto"));
        Assert.Equal(KernelModes.Auto, KernelModes.Parse(" AUTO "));
        Assert.Equal(KernelMode.Fast, KernelModes.Parse("fast"));
        Assert.Equal(KernelMode.Exact, KernelModes.Parse("exact"));
        var e = Assert.Throws<ArgumentException>(() => KernelModes.Parse("quick"));
        Assert.StartsWith("kernels must be 'auto', 'fast' or 'exact', got 'quick'", e.Message, StringComparison.Ordinal);
    }

    private static float[] Random(int n, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    public static TheoryData<int, int, int, QuantType4Bit, bool> Shapes()
    {
        var d = new TheoryData<int, int, int, QuantType4Bit, bool>();
        // (rows, cols, m): rows not a multiple of 4 (tail rows), one 128-step, m across the 64-row blocks, and
        // rows ending in a lone 64-block (64, 192, 320: the golden models' widths). The GEMM's tiles (32, 24, 16 rows in
        // blocks of 128): 32 and 97 (32s and a padded 16), 120 (32s and a 24), 150 (a whole block, then 24).
        int[][] shapes = [[70, 128, 1], [70, 128, 7], [301, 1024, 1], [64, 512, 67], [1030, 256, 3], [9, 64, 2], [45, 192, 5], [130, 320, 1], [70, 128, 16], [301, 1024, 33], [130, 320, 8], [45, 192, 21], [70, 128, 32], [66, 256, 97], [70, 128, 120], [66, 256, 150]];
        foreach (var type in new[] { QuantType4Bit.Nf4, QuantType4Bit.Fp4 })
            foreach (bool dq in new[] { false, true })
                foreach (int[] s in shapes) d.Add(s[0], s[1], s[2], type, dq);
        return d;
    }

    [Theory, MemberData(nameof(Shapes))]
    public void KernelsMatchScalarReference(int rows, int cols, int m, QuantType4Bit type, bool doubleQuant)
    {
        using var lin = Nf4Linear.Quantize(Random(rows * cols, rows + cols, 0.05f), rows, cols, type, doubleQuant);
        using var xq = new Int8Activations();
        xq.Quantize(Random(m * cols, 3 + m), m, cols, cols);
        var w = lin.Int8Kernel;
        var want = new float[m * rows];
        var bound = new double[m * rows];
        for (int i = 0; i < m; i++)
            for (int r = 0; r < rows; r++)
            {
                long xo = (long)i * cols;
                want[i * rows + r] = MatMul4BitInt8Reference.Row(w, r, xq.Signed + xo, xq.Scale + xo / 64);
                bound[i * rows + r] = 1e-5 * AbsTerms(w, r, xq, i) + 1e-12;
            }
        foreach (var path in new[] { MatMul4BitInt8.Path.Vbmi, MatMul4BitInt8.Path.Avx2, MatMul4BitInt8.Path.Scalar, MatMul4BitInt8.Path.Gemm })
        {
            try { MatMul4BitInt8.Select(path); } catch (PlatformNotSupportedException) { continue; }
            if (path == MatMul4BitInt8.Path.Gemm && !xq.HasGemmLayout) continue;
            var got = new float[m * rows];
            fixed (float* py = got) MatMul4BitInt8.Forward(w, xq, py, rows, false, path);
            for (int k = 0; k < got.Length; k++)
                Assert.True(Math.Abs(got[k] - want[k]) <= bound[k], $"{path} [{k / rows}, {k % rows}]: {got[k]} vs reference {want[k]} (bound {bound[k]:g3})");
            // accumulate adds onto what y holds.
            var acc = Enumerable.Repeat(1f, m * rows).ToArray();
            fixed (float* py = acc) MatMul4BitInt8.Forward(w, xq, py, rows, true, path);
            for (int k = 0; k < acc.Length; k++) Assert.True(Math.Abs(acc[k] - 1f - want[k]) <= bound[k] + 1e-6, $"{path} accumulate [{k}]");
        }
    }

    /// <summary>Σ_b |s_b · Σ_i T·q|: the magnitude the fp32 block sum is rounded against.</summary>
    private static double AbsTerms(in Weights4BitInt8 w, int r, Int8Activations xq, int i)
    {
        int cols = w.Cols;
        double s = 0;
        for (int b = 0; b < cols / 64; b++)
        {
            long blockDot = 0;
            for (int k = 0; k < 64; k++)
            {
                long v = (long)r * cols + b * 64 + k;
                byte packed = w.Packed[v >> 1];
                int code = w.Table[(v & 1) == 0 ? packed >> 4 : packed & 15];
                blockDot += Math.Abs(code * (long)Math.Round(xq.Dequantized(i, b * 64 + k) / (xq.Scale[((long)i * cols) / 64 + b] * 127)));
            }
            s += Math.Abs(w.Scale((long)r * (cols / 64) + b) * xq.Scale[((long)i * cols) / 64 + b]) * blockDot;
        }
        return s;
    }

    [Theory, MemberData(nameof(Shapes))]
    public void FastPathStaysWithinInt8RoundingOfExact(int rows, int cols, int m, QuantType4Bit type, bool doubleQuant)
    {
        using var lin = Nf4Linear.Quantize(Random(rows * cols, rows + cols, 0.05f), rows, cols, type, doubleQuant);
        float[] x = Random(m * cols, 3 + m);
        var exact = new float[m * rows];
        lin.Forward(x, m, cols, exact, rows, false);
        using var xq = new Int8Activations();
        xq.Quantize(x, m, cols, cols);
        var fast = new float[m * rows];
        lin.ForwardInt8(xq, fast, rows, false);
        double err = RelativeL2(fast, exact);
        Assert.True(err <= FastRelError, $"relative error {err:P3} over {FastRelError:P1}");
    }

    internal static double RelativeL2(float[] got, float[] want)
    {
        double num = 0, den = 0;
        for (int i = 0; i < got.Length; i++) { num += Math.Pow(got[i] - want[i], 2); den += Math.Pow(want[i], 2); }
        return Math.Sqrt(num / den);
    }

    [Fact]
    public void ActivationsRoundToNearestStepOfTheirBlock()
    {
        const int m = 3, cols = 256;
        float[] x = Random(m * cols, 11);
        x[5] = 0; x[70] = -2.5f;   // a block with a larger absmax
        using var xq = new Int8Activations();
        xq.Quantize(x, m, cols, cols);
        for (int i = 0; i < m; i++)
            for (int b = 0; b < cols / 64; b++)
            {
                float amax = 0;
                for (int k = 0; k < 64; k++) amax = Math.Max(amax, Math.Abs(x[i * cols + b * 64 + k]));
                float step = amax / 127;
                for (int k = 0; k < 64; k++)
                {
                    int c = b * 64 + k;
                    float want = MathF.Round(x[i * cols + c] / step) * step;
                    Assert.True(Math.Abs(xq.Dequantized(i, c) - want) <= 1e-6f * amax, $"row {i} value {c}: {xq.Dequantized(i, c)} vs {want}");
                }
            }
    }

    [Fact]
    public void RejectsRowsThatAreNotWholeBlocks()
    {
        using var xq = new Int8Activations();
        var e = Assert.Throws<ArgumentException>(() => xq.Quantize(new float[96], 1, 96, 96));
        Assert.Contains("96", e.Message);
        using var lin = Nf4Linear.Quantize(Random(4 * 96, 1), 4, 96, QuantType4Bit.Nf4, doubleQuant: false);
        Assert.False(lin.SupportsInt8);
    }
}
