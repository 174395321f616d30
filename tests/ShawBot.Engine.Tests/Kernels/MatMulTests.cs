using ShawBot.Engine.Kernels;

namespace ShawBot.Engine.Tests.Kernels;

public class MatMulTests
{
    internal static float[] Random(int n, int seed)
    {
        var r = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(r.NextDouble() * 2 - 1);
        return a;
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 64, 4096)]      // decode path
    [InlineData(1, 33, 17)]        // ragged panel
    [InlineData(5, 31, 7)]         // fewer rows than a tile
    [InlineData(6, 32, 256)]       // exactly one tile, one K slice
    [InlineData(13, 70, 300)]      // ragged rows, columns and K slices
    [InlineData(250, 96, 257)]     // more rows than MC
    [InlineData(64, 512, 513)]     // big enough to use both threads
    public void FastPathAgreesWithReference(int m, int n, int k)
    {
        float[] x = Random(m * k, 1), w = Random(n * k, 2);
        var expected = new float[m * n];
        MatMul.Reference(x, m, w, n, k, expected);
        using var packed = PackedMatrix.FromRowMajor(w, n, k);
        var y = new float[m * n];
        MatMul.Forward(x, m, packed, y);
        Assertions.Close(expected, y, 2e-5 * Math.Sqrt(k), $"[{m}x{k}]·[{n}x{k}]ᵀ");

        // accumulate: y += x·Wᵀ again doubles the result
        MatMul.Forward(x, m, packed, y, accumulate: true);
        for (int i = 0; i < expected.Length; i++) expected[i] *= 2;
        Assertions.Close(expected, y, 4e-5 * Math.Sqrt(k), "accumulate");
    }

    [Fact]
    public void StridedInputAndOutput()
    {
        int m = 9, n = 40, k = 50, ldx = 64, ldy = 48;
        float[] x = Random(m * ldx, 3), w = Random(n * k, 4);
        var dense = new float[m * k];
        for (int i = 0; i < m; i++) x.AsSpan(i * ldx, k).CopyTo(dense.AsSpan(i * k));
        var expected = new float[m * n];
        MatMul.Reference(dense, m, w, n, k, expected);
        using var packed = PackedMatrix.FromRowMajor(w, n, k);
        var y = new float[m * ldy];
        y.AsSpan().Fill(7f);
        MatMul.Forward(x, m, ldx, packed, y, ldy);
        for (int i = 0; i < m; i++)
        {
            Assertions.Close(expected.AsSpan(i * n, n), y.AsSpan(i * ldy, n), 1e-4, $"row {i}");
            Assert.All(y.AsSpan(i * ldy + n, ldy - n).ToArray(), v => Assert.Equal(7f, v));   // padding untouched
        }
    }

    [Fact]
    public void PackRoundTripsAndRejectsBadShapes()
    {
        float[] w = Random(45 * 19, 5);
        using var packed = PackedMatrix.FromRowMajor(w, 45, 19);
        Assert.Equal(w, packed.ToRowMajor());
        Assert.Throws<ArgumentException>(() => PackedMatrix.FromRowMajor(w, 45, 20));
        var y = new float[10];
        Assert.Throws<ArgumentException>(() => MatMul.Forward(new float[19], 1, packed, y));   // y too short
        Assert.Throws<ArgumentException>(() => MatMul.Forward(new float[18], 1, packed, new float[45]));  // x too short
    }

    [Theory]
    [InlineData(45, 19)]
    [InlineData(64, 96)]
    [InlineData(33, 70)]
    public void TransposedPackingIsTheTransposeExactly(int n, int k)
    {
        float[] w = Random(n * k, n + k);
        using var packed = PackedMatrix.FromRowMajor(w, n, k);
        using var t = packed.Transposed();
        Assert.Equal((k, n), (t.N, t.K));
        var want = new float[k * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < k; j++) want[j * n + i] = w[i * k + j];
        Assert.Equal(want, t.ToRowMajor());
        // And back again.
        using var again = t.Transposed();
        Assert.Equal(w, again.ToRowMajor());
    }
}

public class GemmTests
{
    [Theory]
    [InlineData(1, 1, 1, false, false)]
    [InlineData(7, 33, 19, false, false)]
    [InlineData(7, 33, 19, true, false)]
    [InlineData(7, 33, 19, false, true)]
    [InlineData(13, 70, 300, true, true)]
    [InlineData(250, 65, 40, true, false)]   // dW = dYᵀ·X shape: K = tokens
    [InlineData(64, 96, 513, false, true)]   // both threads
    public void AgreesWithReference(int m, int n, int k, bool ta, bool tb)
    {
        int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
        float[] a = MatMulTests.Random((ta ? k : m) * lda, 1), b = MatMulTests.Random((tb ? n : k) * ldb, 2);
        float[] c0 = MatMulTests.Random(m * ldc, 3);
        var expected = (float[])c0.Clone();
        Gemm.Reference(m, n, k, a, lda, ta, b, ldb, tb, expected, ldc, accumulate: true);
        var c = (float[])c0.Clone();
        Gemm.Multiply(m, n, k, a, lda, ta, b, ldb, tb, c, ldc, accumulate: true);
        Assertions.Close(expected, c, 2e-5 * Math.Sqrt(k + 1), $"gemm {m}x{n}x{k} ta={ta} tb={tb}");
        Gemm.Reference(m, n, k, a, lda, ta, b, ldb, tb, expected, ldc, accumulate: false);
        Gemm.Multiply(m, n, k, a, lda, ta, b, ldb, tb, c, ldc, accumulate: false);
        Assertions.Close(expected, c, 2e-5 * Math.Sqrt(k + 1), "overwrite");
    }

    [Fact]
    public void RejectsShortOperands()
    {
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(2, 3, 4, new float[7], 4, false, new float[12], 3, false, new float[6], 3, false));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(2, 3, 4, new float[8], 4, false, new float[12], 3, false, new float[5], 3, false));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(2, 3, 4, new float[8], 3, false, new float[12], 3, false, new float[6], 3, false));
    }
}

public class GemmRowSplitTests
{
    [Theory]
    [InlineData(2000, 40, 300, true, false)]    // tall and narrow: rows are split between threads
    [InlineData(997, 33, 129, false, true)]
    public void TallNarrowProductsAgreeWithReference(int m, int n, int k, bool ta, bool tb)
    {
        int lda = ta ? m : k, ldb = tb ? k : n;
        float[] a = MatMulTests.Random((ta ? k : m) * lda, 1), b = MatMulTests.Random((tb ? n : k) * ldb, 2);
        var expected = new float[m * n];
        Gemm.Reference(m, n, k, a, lda, ta, b, ldb, tb, expected, n, false);
        var c = new float[m * n];
        Gemm.Multiply(m, n, k, a, lda, ta, b, ldb, tb, c, n, false);
        Assertions.Close(expected, c, 2e-5 * Math.Sqrt(k), $"tall gemm {m}x{n}x{k}");
    }
}

/// <summary>The AVX2 and scalar fallbacks, forced on this AVX-512 machine, against the reference.</summary>
[Collection(nameof(IsaCollection))]
public class MatMulFallbackTests
{
    [Theory]
    [InlineData("Avx2", 1, 40, 70)]
    [InlineData("Avx2", 13, 70, 300)]
    [InlineData("Scalar", 1, 33, 17)]
    [InlineData("Scalar", 7, 65, 129)]
    public void FallbacksAgreeWithReference(string isaName, int m, int n, int k)
    {
        var isa = Enum.Parse<MatMul.Isa>(isaName);
        float[] x = MatMulTests.Random(m * k, 1), w = MatMulTests.Random(n * k, 2);
        var expected = new float[m * n];
        MatMul.Reference(x, m, w, n, k, expected);
        using var packed = PackedMatrix.FromRowMajor(w, n, k);
        var y = new float[m * n];
        var saved = MatMul.MaxIsa;
        try
        {
            MatMul.MaxIsa = isa;
            MatMul.Forward(x, m, packed, y);
        }
        finally { MatMul.MaxIsa = saved; }
        Assertions.Close(expected, y, 2e-5 * Math.Sqrt(k), $"{isa} [{m}x{k}]·[{n}x{k}]ᵀ");
    }
}

/// <summary>Tests that change the kernels' instruction set must not run beside other kernel tests.</summary>
[CollectionDefinition(nameof(IsaCollection), DisableParallelization = true)]
public class IsaCollection;

public class WorkerPoolTests
{
    private static unsafe void Bump(int part, void* state) => System.Threading.Interlocked.Increment(ref ((int*)state)[part]);

    /// <summary>Jobs separated by pauses long enough for the worker to go to sleep, so every wake-up path runs.</summary>
    [Fact]
    public unsafe void EveryPartRunsExactlyOnceAcrossSleepAndWake()
    {
        int parts = WorkerPool.Concurrency * 3;
        var counts = new int[parts];
        for (int job = 0; job < 300; job++)
        {
            fixed (int* c = counts) WorkerPool.Run(parts, &Bump, c);
            if (job % 50 == 0) Thread.Sleep(5);        // longer than the workers' spin: they block
            else if (job % 7 == 0) Thread.SpinWait(job * 50);
        }
        Assert.All(counts, c => Assert.Equal(300, c));
    }
}
