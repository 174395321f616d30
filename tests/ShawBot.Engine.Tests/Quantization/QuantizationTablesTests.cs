using ShawBot.Engine.Quantization;

namespace ShawBot.Engine.Tests.Quantization;

public sealed class QuantizationTablesTests
{
    [Fact]
    public void Nf4_EqualsBitsandbytesLiterals()
    {
        // bitsandbytes.functional.get_4bit_type("nf4"), as Python doubles; stored in fp32.
        double[] expected =
        [
            -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
            -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
            0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
            0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
        ];
        Assert.Equal(expected.Select(v => (float)v), QuantizationTables.Nf4.ToArray());
    }

    [Fact]
    public void Fp4_EqualsBitsandbytesDequantizationLut()
    {
        // kernels.cu's FP4 dequantization values (bit pattern order, sign in bit 3).
        float[] magnitudes = [0f, 5.208333333e-03f, 0.66666667f, 1f, 0.33333333f, 0.5f, 0.16666667f, 0.25f];
        float[] fp4 = QuantizationTables.Fp4.ToArray();
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(magnitudes[i], fp4[i]);
            Assert.Equal(-magnitudes[i], fp4[i + 8]);
        }
        Assert.True(float.IsNegative(fp4[8]));   // -0 / 12 keeps its sign, like torch
    }

    [Fact]
    public void DynamicSignedMap_HasBitsandbytesStructure()
    {
        float[] m = QuantizationTables.DynamicSignedMap.ToArray();
        Assert.Equal(256, m.Length);
        Assert.Equal(m.Order(), m);
        Assert.Equal(127, m.Count(v => v < 0));
        Assert.Equal(1, m.Count(v => v == 0));
        Assert.Equal(1f, m[255]);
        // Largest fraction of exponent 0: mean of the last two of linspace(0.1, 1, 65) = 1 - 0.9/128.
        Assert.Equal(-(1.0 - 0.9 / 128), m[0], 1e-6);
        // Smallest magnitude: 1e-6 * mean(0.1, 1) = 5.5e-7 (exponent -6 has one fraction item).
        Assert.Equal(5.5e-7, m[128], 1e-13);
        Assert.Equal(-5.5e-7, m[126], 1e-13);
        // Exponent i contributes 2^i values of each sign: 64 values in (0.1, 1).
        Assert.Equal(64, m.Count(v => v > 0.1f && v < 1f));
        Assert.Equal(32, m.Count(v => v > 0.01f && v < 0.1f));
        // Exact fp32 values: the largest mean of exponent 0 is (l[63] + l[64]) / 2 with
        // l[63] = 1 - step, step = (1 - 0.1f) / 64 (torch's scalar linspace counts down from end).
        float step = (1f - 0.1f) / 64;
        Assert.Equal(((1f - step) + 1f) / 2f, m[254]);
        float step1 = (1f - 0.1f) / 1;
        Assert.Equal((float)1e-6 * ((0.1f + (1f - step1 * 0)) / 2f), m[128]);
        // Symmetric except for +1.
        for (int i = 0; i < 127; i++) Assert.Equal(-m[i], m[254 - i]);
    }

    [Fact]
    public void DynamicUnsignedMap_HasBitsandbytesStructure()
    {
        float[] m = QuantizationTables.DynamicUnsignedMap.ToArray();
        Assert.Equal(256, m.Length);
        Assert.Equal(m.Order(), m);
        Assert.Equal(0f, m[0]);
        Assert.Equal(1f, m[255]);
        Assert.Equal(128, m.Count(v => v > 0.1f && v < 1f));   // 2^(i+1) fractions for exponent 0
        Assert.Equal(1e-6 * (0.1 + 0.55) / 2, m[1], 1e-13);   // first mean of linspace(0.1, 1, 3) at 1e-6
    }

    [Fact]
    public void TorchLinspace_EndpointsExactAndSymmetricHalves()
    {
        float[] l = QuantizationTables.TorchLinspace(0.1f, 1f, 65);
        Assert.Equal(0.1f, l[0]);
        Assert.Equal(1f, l[64]);
        float step = (1f - 0.1f) / 64;
        Assert.Equal(0.1f + step * 31, l[31]);
        Assert.Equal(1f - step * 32, l[32]);
    }

    [Fact]
    public void Nf4Tree_PicksNearestCodeAndTiesGoLow()
    {
        float[] t = QuantizationTables.Nf4.ToArray();
        for (int k = -1000; k <= 1000; k++)
        {
            float x = k / 1000f;
            byte c = QuantizationTables.QuantizeNf4(x);
            float best = t.Min(v => MathF.Abs(v - x));
            Assert.True(MathF.Abs(t[c] - x) <= best + 1e-6f, $"x={x} code={c}");
        }
        // The tree's pivot itself takes the lower code; the next float up takes the upper.
        Assert.Equal(7, QuantizationTables.QuantizeNf4(0.03979014977812767f));
        Assert.Equal(8, QuantizationTables.QuantizeNf4(MathF.BitIncrement(0.03979014977812767f)));
        Assert.Equal(0, QuantizationTables.QuantizeNf4(-0.8480964004993439f));
        Assert.Equal(0, QuantizationTables.QuantizeNf4(float.NaN));
        Assert.Equal(15, QuantizationTables.QuantizeNf4(1f));
        Assert.Equal(0, QuantizationTables.QuantizeNf4(-1f));
    }

    [Fact]
    public void Fp4Tree_PicksNearestCodeWithSign()
    {
        float[] t = QuantizationTables.Fp4.ToArray();
        for (int k = -1000; k <= 1000; k++)
        {
            float x = k / 1000f;
            byte c = QuantizationTables.QuantizeFp4(x);
            float best = t.Min(v => MathF.Abs(v - x));
            Assert.True(MathF.Abs(t[c] - x) <= best + 1e-6f, $"x={x} code={c}");
            if (x < 0) Assert.True(c >= 8);
        }
        Assert.Equal(0b0011, QuantizationTables.QuantizeFp4(1f));
        Assert.Equal(0b1011, QuantizationTables.QuantizeFp4(-1f));
        Assert.Equal(0, QuantizationTables.QuantizeFp4(-0f));
        Assert.Equal(0b0110, QuantizationTables.QuantizeFp4(0.20833333f));   // on the pivot: lower (1/6)
    }

    [Fact]
    public void QuantizeDynamic_PicksNearestEntry()
    {
        float[] m = QuantizationTables.DynamicSignedMap.ToArray();
        var rng = new Random(11);
        for (int k = 0; k < 5000; k++)
        {
            float x = (float)(rng.NextDouble() * 2 - 1) * (k % 3 == 0 ? 0.01f : 1f);
            byte c = QuantizationTables.QuantizeDynamic(m, x);
            float best = m.Min(v => MathF.Abs(v - x));
            Assert.True(MathF.Abs(m[c] - x) <= best * (1 + 1e-6f) + 1e-12f, $"x={x} code={c} value={m[c]}");
        }
        for (int i = 0; i < 256; i++)
        {
            byte c = QuantizationTables.QuantizeDynamic(m, m[i]);
            Assert.Equal(m[i], m[c]);
        }
    }

    [Fact]
    public void WidestGap_OfNf4IsBetweenTheTwoSmallestCodes()
    {
        Assert.Equal(1 - 0.6961928009986877, QuantizationTables.WidestGap(QuantizationTables.Nf4), 1e-6);
        Assert.Equal(1.0 / 3, QuantizationTables.WidestGap(QuantizationTables.Fp4), 1e-6);
    }
}

public sealed class Blockwise4BitCodesTests
{
    [Theory]
    [InlineData(QuantType4Bit.Nf4)]
    [InlineData(QuantType4Bit.Fp4)]
    public void SimdCodes_AgreeWithScalarTree_IncludingPivotsNaNAndOutOfRange(QuantType4Bit type)
    {
        var rng = new Random(17);
        var values = new List<float> { float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 1f, -1f, 1.5f, -1.5f };
        float[] pivots = type == QuantType4Bit.Nf4
            ? [-0.8480964004993439f, -0.6106329262256622f, -0.4599952697753906f, -0.33967943489551544f, -0.23460740596055984f,
               -0.13791173323988914f, -0.045525018125772476f, 0.03979014977812767f, 0.1202552504837513f, 0.2035212516784668f,
               0.2920137718319893f, 0.3893125355243683f, 0.5016634166240692f, 0.6427869200706482f, 0.8614784181118011f]
            : [0.00260417f, 0.0859375f, 0.20833333f, 0.29166667f, 0.4166667f, 0.583333f, 0.8333333f];
        foreach (float p in pivots)
        {
            values.AddRange([p, -p, MathF.BitIncrement(p), MathF.BitDecrement(p), -MathF.BitIncrement(p)]);
        }
        while (values.Count < 1003) values.Add((float)(rng.NextDouble() * 2.2 - 1.1));
        float[] x = values.ToArray();
        var codes = new byte[x.Length];
        Blockwise4Bit.Codes(x, 1f, type, codes);   // scale 1: values are already normalized
        for (int i = 0; i < x.Length; i++)
        {
            float c = Math.Clamp(x[i], -1f, 1f);
            byte expected = type == QuantType4Bit.Nf4 ? QuantizationTables.QuantizeNf4(c) : QuantizationTables.QuantizeFp4(c);
            Assert.True(expected == codes[i], $"x={x[i]:R} tree={expected} simd={codes[i]}");
        }
    }
}
