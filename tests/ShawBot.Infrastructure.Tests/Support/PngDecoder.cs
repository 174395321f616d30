using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace ShawBot.Infrastructure.Tests.Support;

/// <summary>
/// A PNG reader written here from the specification, independent of the encoder under test: chunk
/// layout, every CRC (bitwise, not table-driven), 8-bit RGB or RGBA, no interlace, all five scanline
/// filters. Returns RGBA pixels.
/// </summary>
public static class PngDecoder
{
    public static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static uint BitwiseCrc(ReadOnlySpan<byte> bytes)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (uint)-(int)(c & 1));
        }
        return ~c;
    }

    /// <summary>Width and height from the IHDR chunk, after checking the signature and the chunk's CRC.</summary>
    public static (int W, int H) Size(byte[] png)
    {
        Assert.Equal(Signature, png[..8]);
        Assert.Equal("IHDR", Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(BitwiseCrc(png.AsSpan(12, 17)), BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(29)));
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    public static (int W, int H, byte[] Rgba) Decode(byte[] png)
    {
        var (w, h) = Size(png);
        int colorType = png[25];
        Assert.Equal(8, png[24]);                                   // bit depth
        Assert.True(colorType is 2 or 6, $"colour type {colorType}: only RGB (2) and RGBA (6) are read here");
        Assert.Equal(0, png[28]);                                   // no interlace
        int channels = colorType == 6 ? 4 : 3;
        int pos = 8;
        var idat = new MemoryStream();
        bool ended = false;
        while (pos < png.Length)
        {
            int len = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            string type = Encoding.ASCII.GetString(png, pos + 4, 4);
            Assert.True(pos + 12 + len <= png.Length, $"chunk {type} runs past the end");
            Assert.Equal(BitwiseCrc(png.AsSpan(pos + 4, len + 4)), BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + len)));
            if (type == "IDAT") idat.Write(png, pos + 8, len);
            pos += 12 + len;
            if (type == "IEND") { ended = true; break; }
        }
        Assert.True(ended, "no IEND chunk");
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        var raw = new MemoryStream();
        z.CopyTo(raw);
        byte[] r = raw.ToArray();
        int stride = w * channels;
        Assert.Equal(h * (1 + stride), r.Length);
        var pixels = new byte[h * stride];
        for (int y = 0; y < h; y++)
        {
            int filter = r[y * (1 + stride)];
            for (int x = 0; x < stride; x++)
            {
                int a = x >= channels ? pixels[y * stride + x - channels] : 0;
                int b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
                int c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
                int predictor = filter switch
                {
                    0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"row {y}: filter type {filter}"),
                };
                pixels[y * stride + x] = (byte)(r[y * (1 + stride) + 1 + x] + predictor);
            }
        }
        if (channels == 4) return (w, h, pixels);
        var rgba = new byte[w * h * 4];
        for (int i = 0; i < w * h; i++)
        {
            rgba[i * 4] = pixels[i * 3]; rgba[i * 4 + 1] = pixels[i * 3 + 1]; rgba[i * 4 + 2] = pixels[i * 3 + 2]; rgba[i * 4 + 3] = 255;
        }
        return (w, h, rgba);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
