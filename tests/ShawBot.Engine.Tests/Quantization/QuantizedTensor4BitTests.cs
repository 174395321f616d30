using ShawBot.Engine.Quantization;
using Xunit.Abstractions;

namespace ShawBot.Engine.Tests.Quantization;

public sealed class QuantizedTensor4BitTests(ITestOutputHelper output)
{
    private readonly ITestOutputHelper _output = output;

    /// <summary>
    /// Seeded standard normals by Box–Muller (both outputs used). Generated in 16 fixed chunks,
    /// chunk c from Random(seed * 1000 + c), in parallel: the values depend only on the seed.
    /// </summary>
    internal static float[] Normals(int count, int seed)
    {
        var x = new float[count];
        const int chunks = 16;
        Parallel.For(0, chunks, c =>
        {
            var rng = new Random(seed * 1000 + c);
            int start = (int)((long)count * c / chunks), end = (int)((long)count * (c + 1) / chunks);
            for (int i = start; i < end; i += 2)
            {
                double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
                double r = Math.Sqrt(-2 * Math.Log(u1));
                x[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
                if (i + 1 < end) x[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
            }
        });
        return x;
    }

    private static double RelativeFrobenius(float[] a, float[] b)
    {
        double num = 0, den = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = (double)a[i] - b[i];
            num += d * d;
            den += (double)a[i] * a[i];
        }
        return Math.Sqrt(num / den);
    }

    private static readonly Lazy<float[]> Big = new(() => Normals(4096 * 4096, 1234));

    [Fact]
    public void Nf4_4096x4096StandardNormal_RelativeErrorMatchesBitsandbytes()
    {
        float[] w = Big.Value;
        var q = QuantizedTensor4Bit.Quantize(w, 4096, 4096, QuantType4Bit.Nf4, 64);
        var back = new float[w.Length];
        q.Dequantize(back);
        double err = RelativeFrobenius(w, back);
        Assert.InRange(err, 0.0910, 0.0930);

        var qd = QuantizedTensor4Bit.Quantize(w, 4096, 4096, QuantType4Bit.Nf4, 64, doubleQuant: true);
        var backD = new float[w.Length];
        qd.Dequantize(backD);
        double errD = RelativeFrobenius(w, backD);
        Assert.True(Math.Abs(errD - err) < 0.0005, $"single {err}, double {errD}");
        Assert.Equal(q.Packed, qd.Packed);   // double quantization only changes the stored absmax
        Assert.Equal(4096L * 4096 / 2 + 4096L * 4096 / 64 * 4 + 64, q.SizeInBytes);
        // packed + 8-bit codes + nested absmax (1024 blocks of 256) + offset + both maps
        Assert.Equal(4096L * 4096 / 2 + 262144 + 1024 * 4 + 4 + 256 * 4 + 64, qd.SizeInBytes);
        _output.WriteLine($"NF4 bs64 relative Frobenius error: single {err:F5}, double {errD:F5}");
    }

    [Theory]
    [InlineData(QuantType4Bit.Nf4, 64)]
    [InlineData(QuantType4Bit.Fp4, 64)]
    [InlineData(QuantType4Bit.Nf4, 128)]
    [InlineData(QuantType4Bit.Fp4, 256)]
    public void EachBlock_MaxErrorWithinHalfTheWidestGapTimesAbsmax(QuantType4Bit type, int blockSize)
    {
        const int rows = 48, cols = 200;   // 9600 values: the last block is partial for 128 and 256
        float[] w = Normals(rows * cols, 7);
        var q = QuantizedTensor4Bit.Quantize(w, rows, cols, type, blockSize);
        float halfGap = QuantizationTables.WidestGap(q.Code) / 2;
        var dst = new float[blockSize];
        for (int b = 0; b < q.BlockCount; b++)
        {
            q.DequantizeBlock(b, dst);
            float absmax = q.GetBlockAbsmax(b);
            int len = q.BlockLength(b);
            float trueMax = 0;
            for (int i = 0; i < len; i++) trueMax = MathF.Max(trueMax, MathF.Abs(w[b * blockSize + i]));
            Assert.Equal(trueMax, absmax);
            for (int i = 0; i < len; i++)
                Assert.True(MathF.Abs(dst[i] - w[b * blockSize + i]) <= halfGap * absmax * (1 + 1e-6f), $"block {b} value {i}");
        }
    }

    [Fact]
    public void Quantize_HandComputedBlock_PacksFirstValueInHighNibble()
    {
        // absmax 2: normalized [0.5, -1, 0, 1, 0.25]; NF4 codes 12, 0, 7, 15, 10 (0.25 is nearest 0.2461).
        float[] w = [1f, -2f, 0f, 2f, 0.5f];
        var q = QuantizedTensor4Bit.Quantize(w, 1, 5, QuantType4Bit.Nf4);
        Assert.Equal([0xC0, 0x7F, 0xA0], q.Packed);   // odd count: last low nibble padded with 0
        Assert.Equal([2f], q.Absmax!);
        var back = new float[5];
        q.Dequantize(back);
        float[] t = QuantizationTables.Nf4.ToArray();
        Assert.Equal([t[12] * 2, -2f, 0f, 2f, t[10] * 2], back);
    }

    [Fact]
    public void Quantize_AllZeroBlock_DequantizesToZero()
    {
        var w = new float[128];
        for (int i = 64; i < 128; i++) w[i] = i;
        var q = QuantizedTensor4Bit.Quantize(w, 2, 64, QuantType4Bit.Nf4);
        Assert.Equal(0f, q.GetBlockAbsmax(0));
        var back = new float[128];
        q.Dequantize(back);
        Assert.All(back.Take(64), v => Assert.Equal(0f, MathF.Abs(v)));
        Assert.Equal(127f, back[127]);
    }

    [Fact]
    public void DequantizeRow_AgreesWithDequantizeWhenRowsCrossBlocks()
    {
        float[] w = Normals(7 * 37, 3);   // 37 columns: rows start mid-block
        var q = QuantizedTensor4Bit.Quantize(w, 7, 37, QuantType4Bit.Fp4, 64, doubleQuant: true);
        var all = new float[w.Length];
        q.Dequantize(all);
        var row = new float[37];
        for (int r = 0; r < 7; r++)
        {
            q.DequantizeRow(r, row);
            Assert.Equal(all.AsSpan(r * 37, 37).ToArray(), row);
        }
    }

    [Fact]
    public void DoubleQuant_AbsmaxDecodesAsCodeTimesNestedPlusOffset()
    {
        float[] w = Normals(600 * 64, 9);   // 600 blocks: 3 nested blocks, the last partial
        var single = QuantizedTensor4Bit.Quantize(w, 600, 64, QuantType4Bit.Nf4);
        var q = QuantizedTensor4Bit.Quantize(w, 600, 64, QuantType4Bit.Nf4, doubleQuant: true);
        Assert.True(q.IsDoubleQuantized);
        Assert.Null(q.Absmax);
        float[] nestedAbsmax = q.NestedAbsmax!;
        Assert.Equal(3, nestedAbsmax.Length);
        float[] absmax = single.Absmax!;
        Assert.Equal((float)absmax.Average(a => (double)a), q.NestedOffset);
        float[] dyn = QuantizationTables.DynamicSignedMap.ToArray();
        for (int b = 0; b < 600; b++)
        {
            float expected = dyn[q.AbsmaxCodes![b]] * nestedAbsmax[b / 256] + q.NestedOffset;
            Assert.Equal(expected, q.GetBlockAbsmax(b));
            // 8-bit dynamic code: relative error of (absmax - offset) well under 1% of the nested scale.
            Assert.True(MathF.Abs(expected - absmax[b]) <= 0.01f * nestedAbsmax[b / 256], $"block {b}");
        }
        var copied = new float[600];
        q.CopyAbsmaxTo(copied);
        Assert.Equal(Enumerable.Range(0, 600).Select(q.GetBlockAbsmax), copied);
    }

    [Fact]
    public void Quantize_IsDeterministic()
    {
        float[] w = Normals(256 * 256, 5);
        var a = QuantizedTensor4Bit.Quantize(w, 256, 256, QuantType4Bit.Nf4, 64, true);
        var b = QuantizedTensor4Bit.Quantize(w, 256, 256, QuantType4Bit.Nf4, 64, true);
        Assert.Equal(a.Packed, b.Packed);
        Assert.Equal(a.AbsmaxCodes, b.AbsmaxCodes);
        Assert.Equal(a.NestedAbsmax, b.NestedAbsmax);
    }

    [Fact]
    public void ArgumentErrors_Throw()
    {
        Assert.Throws<ArgumentException>(() => QuantizedTensor4Bit.Quantize(new float[10], 3, 3, QuantType4Bit.Nf4));
        Assert.Throws<ArgumentOutOfRangeException>(() => QuantizedTensor4Bit.Quantize(new float[9], 3, 3, QuantType4Bit.Nf4, 48));
        Assert.Throws<ArgumentOutOfRangeException>(() => QuantizedTensor4Bit.Quantize(new float[0], 0, 3, QuantType4Bit.Nf4));
        var q = QuantizedTensor4Bit.Quantize(new float[9], 3, 3, QuantType4Bit.Nf4);
        Assert.Throws<ArgumentException>(() => q.Dequantize(new float[8]));
        Assert.Throws<ArgumentException>(() => q.DequantizeRow(0, new float[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => q.DequantizeRow(3, new float[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => q.DequantizeBlock(1, new float[64]));
        Assert.Throws<ArgumentException>(() => q.DequantizeBlock(0, new float[8]));
        Assert.Throws<ArgumentException>(() => QuantizedTensor4Bit.FromParts(QuantType4Bit.Nf4, 3, 3, 64, new byte[4], new float[1]));
        Assert.Throws<ArgumentException>(() => QuantizedTensor4Bit.FromParts(QuantType4Bit.Nf4, 3, 3, 64, new byte[5], new float[2]));
    }
}
