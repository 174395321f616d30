using ShawBot.Engine.Kernels;
using ShawBot.Engine.Quantization;
using ShawBot.Engine.Model;

namespace ShawBot.Engine.Tests.Quantization;

/// <summary>
/// The fused 4-bit kernels against dequantize-everything + the double-precision reference.
/// Tolerance: |fast − ref| ≤ 1e-5 · Σk |x_k·W_jk| per output (fp32 summation in another order
/// can differ by a few ulps of the absolute sum, not of a result that cancels to near zero).
/// </summary>
public sealed class Linear4BitTests
{
    public static TheoryData<int, int, int, QuantType4Bit, bool> Shapes()
    {
        var d = new TheoryData<int, int, int, QuantType4Bit, bool>();
        // (rows, cols, m): ragged rows, m not a multiple of 6, cols = 96 (blocks straddle rows),
        // cols = 40 (rows shorter than a block), and shapes big enough to run on both workers.
        int[][] shapes = [[70, 128, 1], [70, 128, 7], [45, 96, 1], [45, 96, 13], [33, 64, 6], [9, 40, 3], [9, 40, 1],
                          [300, 1024, 1], [300, 1024, 5], [130, 576, 17]];
        foreach (var type in new[] { QuantType4Bit.Nf4, QuantType4Bit.Fp4 })
            foreach (bool dq in new[] { false, true })
                foreach (int[] s in shapes) d.Add(s[0], s[1], s[2], type, dq);
        return d;
    }

    private static float[] Random(int n, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    [Theory, MemberData(nameof(Shapes))]
    public void ForwardMatchesDequantizedReference(int rows, int cols, int m, QuantType4Bit type, bool doubleQuant)
    {
        using var lin = Nf4Linear.Quantize(Random(rows * cols, rows + cols, 0.05f), rows, cols, type, doubleQuant);
        Assert.Equal(type, lin.QuantType);
        float[] x = Random(m * cols, 7 + m);
        var want = new float[m * rows];
        lin.ForwardReference(x, m, want);
        float[] w = lin.ToDense();

        var got = new float[m * rows];
        lin.Forward(x, m, cols, got, rows, accumulate: false);
        AssertClose(want, got, m, rows, cols, (i, j, k) => x[i * cols + k] * w[j * cols + k], "forward");

        // accumulate adds onto what y holds; strided x and y leave the padding alone.
        int ldx = cols + 3, ldy = rows + 5;
        var xs = new float[m * ldx];
        for (int i = 0; i < m; i++) x.AsSpan(i * cols, cols).CopyTo(xs.AsSpan(i * ldx));
        var ys = new float[m * ldy];
        Array.Fill(ys, 1f);
        lin.Forward(xs, m, ldx, ys, ldy, accumulate: true);
        var acc = new float[m * rows];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < rows; j++) acc[i * rows + j] = ys[i * ldy + j] - 1f;
            for (int j = rows; j < ldy; j++) Assert.Equal(1f, ys[i * ldy + j]);
        }
        AssertClose(want, acc, m, rows, cols, (i, j, k) => x[i * cols + k] * w[j * cols + k], "forward accumulate", extra: 1e-6);
    }

    /// <summary>
    /// Every single-row kernel the CPU can run, on shapes that reach its edges: rows not a multiple of
    /// the row block, rows cut into 2 or 3 column tiles (8576 → 2 × 4288, 14336 → 2 × 7168),
    /// double-quantized scales whose 256-block groups straddle rows, 128-blocks that straddle rows
    /// (192 columns), and both workers.
    /// </summary>
    [Theory]
    [InlineData(70, 128, QuantType4Bit.Nf4, false, 64)]
    [InlineData(300, 1024, QuantType4Bit.Fp4, true, 64)]
    [InlineData(37, 8576, QuantType4Bit.Nf4, true, 64)]
    [InlineData(9, 14336, QuantType4Bit.Fp4, false, 64)]
    [InlineData(130, 4096, QuantType4Bit.Nf4, true, 64)]
    [InlineData(41, 192, QuantType4Bit.Nf4, true, 128)]
    public unsafe void EveryGemvKernelMatchesTheReference(int rows, int cols, QuantType4Bit type, bool doubleQuant, int blockSize)
    {
        using var lin = new Nf4Linear(QuantizedTensor4Bit.Quantize(Random(rows * cols, rows ^ cols, 0.05f), rows, cols, type, blockSize, doubleQuant));
        float[] x = Random(cols, cols + 1);
        var want = new float[rows];
        lin.ForwardReference(x, 1, want);
        float[] w = lin.ToDense();
        var kernel = lin.Kernel;
        var ran = new List<MatMul4Bit.GemvPath>();
        foreach (var path in Enum.GetValues<MatMul4Bit.GemvPath>())
        {
            if (!MatMul4Bit.Supports(kernel, path)) continue;
            var got = new float[rows + 1];
            got[rows] = 42f;
            fixed (float* px = x) fixed (float* py = got) MatMul4Bit.Forward(kernel, px, 1, cols, py, rows, false, path);
            Assert.Equal(42f, got[rows]);
            AssertClose(want, got[..rows], 1, rows, cols, (i, j, k) => x[k] * w[(long)j * cols + k], $"{path} gemv");
            ran.Add(path);
        }
        // The kernels this machine must have run on this shape (the reference machine has them all).
        bool pairShape = cols % 128 == 0 && blockSize == 64;
        var must = new List<MatMul4Bit.GemvPath> { MatMul4Bit.GemvPath.Auto, MatMul4Bit.GemvPath.Panels };
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported) must.Add(MatMul4Bit.GemvPath.Avx2);
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported) must.Add(MatMul4Bit.GemvPath.Chunks);
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported && pairShape) must.Add(MatMul4Bit.GemvPath.Lanes);
        if (System.Runtime.Intrinsics.X86.Avx512BW.IsSupported && pairShape) must.Add(MatMul4Bit.GemvPath.Pairs);
        Assert.Subset(ran.ToHashSet(), must.ToHashSet());
    }

    [Theory, MemberData(nameof(Shapes))]
    public void BackwardInputMatchesDequantizedReference(int rows, int cols, int m, QuantType4Bit type, bool doubleQuant)
    {
        using var lin = Nf4Linear.Quantize(Random(rows * cols, rows * 3 + cols, 0.05f), rows, cols, type, doubleQuant);
        float[] dy = Random(m * rows, 11 + m);
        var want = new float[m * cols];
        lin.BackwardInputReference(dy, m, want);
        float[] w = lin.ToDense();
        var got = new float[m * cols];
        lin.BackwardInput(dy, m, rows, got, cols, accumulate: false);
        AssertClose(want, got, m, cols, rows, (i, j, r) => dy[i * rows + r] * w[r * cols + j], "backward");

        Array.Fill(got, 0.5f);
        lin.BackwardInput(dy, m, rows, got, cols, accumulate: true);
        for (int i = 0; i < got.Length; i++) got[i] -= 0.5f;
        AssertClose(want, got, m, cols, rows, (i, j, r) => dy[i * rows + r] * w[r * cols + j], "backward accumulate", extra: 1e-6);
    }

    [Fact]
    public void WrongShapesAndDisposalAreRejected()
    {
        var lin = Nf4Linear.Quantize(Random(64 * 64, 1), 64, 64, QuantType4Bit.Nf4, true);
        Assert.Throws<ArgumentException>(() => lin.Forward(new float[63], 1, 64, new float[64], 64, false));
        Assert.Throws<ArgumentException>(() => lin.Forward(new float[64], 1, 64, new float[10], 64, false));
        Assert.Throws<ArgumentException>(() => lin.BackwardInput(new float[64], 2, 64, new float[128], 64, false));
        Assert.Throws<ArgumentException>(() => new Nf4Linear(lin.Weight, "int8"));
        lin.Dispose();
        Assert.Throws<ObjectDisposedException>(() => lin.Forward(new float[64], 1, 64, new float[64], 64, false));
    }

    [Fact]
    public void SizeCountsPackedCodesAndStatisticsOnly()
    {
        using var plain = Nf4Linear.Quantize(Random(128 * 512, 2), 128, 512, QuantType4Bit.Nf4, false);
        using var dq = Nf4Linear.Quantize(Random(128 * 512, 2), 128, 512, QuantType4Bit.Nf4, true);
        long n = 128 * 512, blocks = n / 64;
        Assert.Equal(n / 2 + blocks * 4 + 64, plain.SizeInBytes);
        // codes (1 B/block) + nested absmax (4 B / 256 blocks) + offset + nested map + table: the
        // kernels decode the 8-bit scales where they use them, so nothing else is held.
        Assert.Equal(n / 2 + blocks + (blocks / 256) * 4 + 4 + 1024 + 64, dq.SizeInBytes);
    }

    [Fact]
    public void KernelScalesAreTheReferenceAbsmaxBitForBit()
    {
        // 3 nested groups and a ragged last one; every block's decoded scale must be the reference's exactly.
        using var dq = Nf4Linear.Quantize(Random(40 * 4160, 5), 40, 4160, QuantType4Bit.Nf4, true);
        using var plain = Nf4Linear.Quantize(Random(40 * 4160, 5), 40, 4160, QuantType4Bit.Fp4, false);
        foreach (var lin in new[] { dq, plain })
        {
            var k = lin.Kernel;
            Assert.Equal(lin.Weight.IsDoubleQuantized, k.IsDoubleQuantized);
            for (int b = 0; b < lin.Weight.BlockCount; b++)
                Assert.Equal(BitConverter.SingleToInt32Bits(lin.Weight.GetBlockAbsmax(b)), BitConverter.SingleToInt32Bits(k.Scale(b)));
        }
    }

    internal static void AssertClose(float[] want, float[] got, int m, int n, int k, Func<int, int, int, float> term, string what, double extra = 0)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double l1 = 0;
                for (int kk = 0; kk < k; kk++) l1 += Math.Abs((double)term(i, j, kk));
                double err = Math.Abs((double)want[i * n + j] - got[i * n + j]);
                Assert.True(err <= 1e-5 * l1 + extra + 1e-30,
                    $"{what} [{i}, {j}]: want {want[i * n + j]}, got {got[i * n + j]}, |err| {err:E2} > 1e-5 · {l1:E2}");
            }
    }
}

/// <summary>The 4-bit kernels with AVX-512 (or AVX2 too) switched off, as on CPUs without them.</summary>
[Collection(nameof(Kernels.IsaCollection))]
public sealed class Linear4BitIsaTests
{
    [Theory]
    [InlineData("Avx2", QuantType4Bit.Nf4, true)]
    [InlineData("Avx2", QuantType4Bit.Fp4, false)]
    [InlineData("Scalar", QuantType4Bit.Nf4, true)]
    public void ForwardAndBackwardAgreeWithTheReference(string isaName, QuantType4Bit type, bool doubleQuant)
    {
        var isa = Enum.Parse<MatMul.Isa>(isaName);
        const int rows = 150, cols = 576;
        var rng = new Random(9);
        float[] Rand(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1); return a; }
        using var lin = Nf4Linear.Quantize(Rand(rows * cols), rows, cols, type, doubleQuant);
        float[] w = lin.ToDense();
        var saved = MatMul.MaxIsa;
        try
        {
            MatMul.MaxIsa = isa;
            foreach (int m in new[] { 1, 7 })
            {
                float[] x = Rand(m * cols), dy = Rand(m * rows);
                var want = new float[m * rows];
                lin.ForwardReference(x, m, want);
                var got = new float[m * rows];
                lin.Forward(x, m, cols, got, rows, accumulate: false);
                Linear4BitTests.AssertClose(want, got, m, rows, cols, (i, j, k) => x[i * cols + k] * w[j * cols + k], $"{isa} forward m={m}");
                var wantDx = new float[m * cols];
                lin.BackwardInputReference(dy, m, wantDx);
                var gotDx = new float[m * cols];
                lin.BackwardInput(dy, m, rows, gotDx, cols, accumulate: false);
                Linear4BitTests.AssertClose(wantDx, gotDx, m, cols, rows, (i, k, j) => dy[i * rows + j] * w[j * cols + k], $"{isa} backward m={m}");
            }
        }
        finally { MatMul.MaxIsa = saved; }
    }
}
