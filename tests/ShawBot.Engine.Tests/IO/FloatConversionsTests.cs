using ShawBot.Engine.IO;

namespace ShawBot.Engine.Tests.IO;

public sealed class FloatConversionsTests
{
    [Theory]
    [InlineData(0x3F800000u, (ushort)0x3F80)]   // 1.0
    [InlineData(0x3F808000u, (ushort)0x3F80)]   // tie, even below: stays
    [InlineData(0x3F818000u, (ushort)0x3F82)]   // tie, odd below: rounds up to even
    [InlineData(0x3F808001u, (ushort)0x3F81)]   // just above the tie
    [InlineData(0x7F800000u, (ushort)0x7F80)]   // +inf
    [InlineData(0xFF800000u, (ushort)0xFF80)]   // -inf
    [InlineData(0x7F7FFFFFu, (ushort)0x7F80)]   // float.MaxValue rounds to inf, as in torch
    [InlineData(0x7FC00001u, (ushort)0x7FC0)]   // NaN -> canonical quiet NaN
    [InlineData(0x80000000u, (ushort)0x8000)]   // -0
    public void SingleToBFloat16_RoundsToNearestEvenLikeTorch(uint bits, ushort expected)
    {
        Assert.Equal(expected, FloatConversions.SingleToBFloat16(BitConverter.UInt32BitsToSingle(bits)));
    }

    [Fact]
    public void SpanConversions_AgreeWithScalarOnRaggedLengths()
    {
        var rng = new Random(5);
        foreach (int n in new[] { 0, 1, 15, 16, 17, 31, 1003 })
        {
            var src = new float[n];
            for (int i = 0; i < n; i++) src[i] = BitConverter.Int32BitsToSingle(rng.Next()) * (rng.Next(2) == 0 ? 1 : -1);
            if (n > 3) src[3] = float.NaN;
            var bf = new ushort[n];
            FloatConversions.SingleToBFloat16(src, bf);
            var back = new float[n];
            FloatConversions.BFloat16ToSingle(bf, back);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(FloatConversions.SingleToBFloat16(src[i]), bf[i]);
                Assert.Equal(BitConverter.SingleToUInt32Bits(back[i]), (uint)bf[i] << 16);
            }
        }
    }

    [Fact]
    public void Half_RoundTripsRepresentableValues()
    {
        float[] src = [0f, 1f, -2.5f, 65504f, 6.1035156e-05f];
        var h = new Half[src.Length];
        FloatConversions.SingleToHalf(src, h);
        var back = new float[src.Length];
        FloatConversions.HalfToSingle(h, back);
        Assert.Equal(src, back);
    }

    [Fact]
    public void MismatchedLengths_Throw()
    {
        Assert.Throws<ArgumentException>(() => FloatConversions.BFloat16ToSingle(new ushort[3], new float[2]));
        Assert.Throws<ArgumentException>(() => FloatConversions.SingleToBFloat16(new float[3], new ushort[4]));
    }
}
