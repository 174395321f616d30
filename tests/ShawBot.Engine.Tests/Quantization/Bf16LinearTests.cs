using ShawBot.Engine.IO;
using ShawBot.Engine.Kernels;
using ShawBot.Engine.Model;

namespace ShawBot.Engine.Tests.Quantization;

/// <summary>The BF16 head kernels against widening to fp32 + the double-precision reference.</summary>
public sealed class Bf16LinearTests
{
    public static TheoryData<int, int, int> Shapes() => new()
    {
        { 70, 128, 1 }, { 70, 128, 7 }, { 45, 100, 1 }, { 45, 100, 13 }, { 9, 40, 3 }, { 300, 1024, 1 }, { 300, 1024, 5 }, { 130, 576, 17 },
    };

    private static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        return a;
    }

    [Theory, MemberData(nameof(Shapes))]
    public void ForwardAndBackwardMatchTheWidenedReference(int rows, int cols, int m)
    {
        using var lin = Bf16Linear.FromFloat32(Random(rows * cols, rows + cols), rows, cols);
        float[] w = lin.ToDense();
        for (int i = 0; i < w.Length; i++) Assert.Equal(FloatConversions.BFloat16ToSingle(lin.Bits[i]), w[i]);

        float[] x = Random(m * cols, m);
        var want = new float[m * rows];
        MatMul.Reference(x, m, w, rows, cols, want);
        var got = new float[m * rows];
        Array.Fill(got, 2f);
        lin.Forward(x, m, cols, got, rows, accumulate: true);
        for (int i = 0; i < got.Length; i++) got[i] -= 2f;
        Assertions.Close(want, got, 2e-5 * Math.Sqrt(cols), $"forward [{rows}, {cols}] m={m}");

        float[] dy = Random(m * rows, m + 5);
        var dxWant = new float[m * cols];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < cols; j++)
            {
                double s = 0;
                for (int r = 0; r < rows; r++) s += (double)dy[i * rows + r] * w[r * cols + j];
                dxWant[i * cols + j] = (float)s;
            }
        var dx = new float[m * cols];
        lin.BackwardInput(dy, m, rows, dx, cols, accumulate: false);
        Assertions.Close(dxWant, dx, 2e-5 * Math.Sqrt(rows), $"backward [{rows}, {cols}] m={m}");
    }

    [Fact]
    public void BadShapesAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new Bf16Linear(new ushort[10], 3, 4));
        using var lin = new Bf16Linear(new ushort[12], 3, 4);
        Assert.Throws<ArgumentException>(() => lin.Forward(new float[3], 1, 4, new float[3], 3, false));
        Assert.Throws<ArgumentException>(() => lin.BackwardInput(new float[3], 1, 3, new float[3], 4, false));
    }

    [Fact]
    public void Bf16EmbeddingLooksUpWidenedRowsAndWidensOnce()
    {
        float[] f = Random(6 * 4, 3);
        var bits = new ushort[f.Length];
        FloatConversions.SingleToBFloat16(f, bits);
        var e = TokenEmbedding.FromBFloat16(bits, 6, 4);
        var x = new float[8];
        e.Lookup([5, 0], x);
        for (int j = 0; j < 4; j++)
        {
            Assert.Equal(FloatConversions.BFloat16ToSingle(bits[20 + j]), x[j]);
            Assert.Equal(FloatConversions.BFloat16ToSingle(bits[j]), x[4 + j]);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => e.Lookup([6], x));
        Assert.Equal(48, e.SizeInBytes);
        float[] wide = e.Float32;
        Assert.Same(wide, e.Float32);
        wide[20] = 42f;   // after widening, lookups read the fp32 table
        e.Lookup([5], x);
        Assert.Equal(42f, x[0]);
    }
}
