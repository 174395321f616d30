using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using ShawBot.Engine.Training;

namespace ShawBot.Engine.Tests.Training;

/// <summary>The PNG loss curve, decoded here independently: chunk layout and CRCs (bitwise CRC, not the writer's table), pixels where the curves must be.</summary>
public sealed class LossCurvePngTests
{
    private static uint BitwiseCrc(byte[] bytes)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (uint)-(int)(c & 1));
        }
        return ~c;
    }

    /// <summary>Width, height and RGB pixels of an 8-bit truecolour, filter-0 PNG; every chunk's CRC checked.</summary>
    internal static (int W, int H, byte[] Rgb) Decode(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        int pos = 8, w = 0, h = 0;
        var idat = new MemoryStream();
        var types = new List<string>();
        while (pos < png.Length)
        {
            int len = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            string type = Encoding.ASCII.GetString(png, pos + 4, 4);
            byte[] typeAndData = png[(pos + 4)..(pos + 8 + len)];
            Assert.Equal(BitwiseCrc(typeAndData), BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + len)));
            if (type == "IHDR")
            {
                w = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos + 8));
                h = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos + 12));
                Assert.Equal(new byte[] { 8, 2, 0, 0, 0 }, png[(pos + 16)..(pos + 21)]);
            }
            if (type == "IDAT") idat.Write(png, pos + 8, len);
            types.Add(type);
            pos += 12 + len;
        }
        Assert.Equal(["IHDR", "IDAT", "IEND"], types);
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        var raw = new MemoryStream();
        z.CopyTo(raw);
        byte[] r = raw.ToArray();
        Assert.Equal(h * (1 + 3 * w), r.Length);
        var rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
        {
            Assert.Equal(0, r[y * (1 + 3 * w)]);
            Array.Copy(r, y * (1 + 3 * w) + 1, rgb, y * w * 3, w * 3);
        }
        return (w, h, rgb);
    }

    private static (byte, byte, byte) At(byte[] rgb, int w, int x, int y) => (rgb[(y * w + x) * 3], rgb[(y * w + x) * 3 + 1], rgb[(y * w + x) * 3 + 2]);

    [Fact]
    public void CurvesAxesAndBackgroundLandWhereTheFrameSays()
    {
        // Train 2.0 → 1.0 over 2 steps, one eval of 1.5 after epoch 1 (2 steps): the plot spans 1.0 … 2.0.
        byte[] png = LossCurve.RenderPng([2.0, 1.0], [1.5], stepsPerEpoch: 2);
        var (w, h, rgb) = Decode(png);
        Assert.Equal((640, 360), (w, h));
        const int L = 56, R = 16, T = 24, B = 40;
        var white = ((byte)255, (byte)255, (byte)255);
        var blue = ((byte)0x1f, (byte)0x77, (byte)0xb4);
        var red = ((byte)0xd6, (byte)0x27, (byte)0x28);
        Assert.Equal(white, At(rgb, w, 5, 5));
        Assert.Equal(((byte)0x44, (byte)0x44, (byte)0x44), At(rgb, w, L, 200));            // y axis
        // The train segment runs from (x(1), top) to (x(2), bottom): its start, middle and end are blue.
        double x1 = L + (w - L - R) / 2.0, x2 = w - R;
        Assert.Equal(blue, At(rgb, w, (int)Math.Round(x1), T));
        Assert.Equal(blue, At(rgb, w, (int)Math.Round((x1 + x2) / 2), (T + h - B) / 2));
        Assert.Equal(blue, At(rgb, w, (int)x2, h - B));
        // The eval point (step 2, loss 1.5) is a red disc of radius 3 at the right edge, half way up.
        Assert.Equal(red, At(rgb, w, (int)x2 - 2, (T + h - B) / 2));
        // Nothing drawn left of the first step or above the top of the range.
        Assert.Equal(white, At(rgb, w, (int)x1 - 20, T - 10));
    }

    [Fact]
    public void EmptyAndNonFiniteLossesStillMakeAPicture()
    {
        var (w, h, _) = Decode(LossCurve.RenderPng([], [], 1));
        Assert.Equal((640, 360), (w, h));
        Decode(LossCurve.RenderPng([double.NaN, 1.0, double.PositiveInfinity, 0.5], [double.NaN], 2));
        Assert.Throws<ArgumentException>(() => Png.Encode(2, 2, new byte[11]));
    }
}
