using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace ShawBot.Engine.Training;

/// <summary>
/// Training loss per step and eval loss per epoch as a small self-contained picture: SVG (with
/// axis labels, for the web page) and PNG (for chat clients that show images inline but not SVG;
/// the numbers travel beside it as text, so the PNG draws axes, grid, curves and points only).
/// </summary>
public static class LossCurve
{
    private const int W = 640, H = 360, L = 56, R = 16, T = 24, B = 40;

    /// <summary>Where things go: step → x and loss → y in pixels, from the data's range.</summary>
    private readonly record struct Frame(double Lo, double Hi, int Steps)
    {
        public static Frame Of(IReadOnlyList<double> train, IReadOnlyList<double> eval)
        {
            var all = train.Concat(eval).Where(double.IsFinite).ToList();
            double lo = all.Count > 0 ? all.Min() : 0, hi = all.Count > 0 ? all.Max() : 1;
            if (hi - lo < 1e-9) { hi += 0.5; lo -= 0.5; }
            return new Frame(lo, hi, Math.Max(1, train.Count));
        }

        public double X(double step) => L + (W - L - R) * step / Steps;
        public double Y(double v) => T + (H - T - B) * (Hi - v) / (Hi - Lo);
    }

    private static double EvalStep(int epoch, int stepsPerEpoch, int steps) => Math.Min(steps, (epoch + 1) * stepsPerEpoch);

    public static void WriteSvg(string path, IReadOnlyList<double> train, IReadOnlyList<double> eval, int stepsPerEpoch)
    {
        var f = Frame.Of(train, eval);
        string X(double step) => f.X(step).ToString("0.0", CultureInfo.InvariantCulture);
        string Y(double v) => f.Y(v).ToString("0.0", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"11\">");
        sb.Append($"<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>");
        sb.Append($"<line x1=\"{L}\" y1=\"{H - B}\" x2=\"{W - R}\" y2=\"{H - B}\" stroke=\"#444\"/><line x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{H - B}\" stroke=\"#444\"/>");
        for (int i = 0; i <= 4; i++)
        {
            double v = f.Lo + (f.Hi - f.Lo) * i / 4;
            sb.Append($"<text x=\"{L - 6}\" y=\"{Y(v)}\" text-anchor=\"end\">{v.ToString("0.00", CultureInfo.InvariantCulture)}</text>");
        }
        sb.Append($"<text x=\"{(W + L) / 2}\" y=\"{H - 8}\" text-anchor=\"middle\">optimizer step ({f.Steps})</text>");
        if (train.Count > 0)
            sb.Append("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"")
              .Append(string.Join(' ', train.Select((v, i) => $"{X(i + 1)},{Y(v)}"))).Append("\"/>");
        if (eval.Count > 0)
        {
            sb.Append("<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" points=\"")
              .Append(string.Join(' ', eval.Select((v, i) => $"{X(EvalStep(i, stepsPerEpoch, f.Steps))},{Y(v)}"))).Append("\"/>");
            foreach (var (v, i) in eval.Select((v, i) => (v, i)))
                sb.Append($"<circle cx=\"{X(EvalStep(i, stepsPerEpoch, f.Steps))}\" cy=\"{Y(v)}\" r=\"3\" fill=\"#d62728\"/>");
        }
        sb.Append($"<text x=\"{W - R - 150}\" y=\"{T + 4}\" fill=\"#1f77b4\">— train loss</text><text x=\"{W - R - 70}\" y=\"{T + 4}\" fill=\"#d62728\">● eval loss</text>");
        sb.Append("</svg>");
        File.WriteAllText(path, sb.ToString());
    }

    /// <summary>The same plot as a 640 × 360 RGB PNG: train loss blue, eval loss red with dots, grey axes and grid.</summary>
    public static void WritePng(string path, IReadOnlyList<double> train, IReadOnlyList<double> eval, int stepsPerEpoch)
        => File.WriteAllBytes(path, RenderPng(train, eval, stepsPerEpoch));

    public static byte[] RenderPng(IReadOnlyList<double> train, IReadOnlyList<double> eval, int stepsPerEpoch)
    {
        var f = Frame.Of(train, eval);
        var c = new Canvas(W, H);
        for (int i = 0; i <= 4; i++)
        {
            int y = (int)Math.Round(f.Y(f.Lo + (f.Hi - f.Lo) * i / 4));
            for (int x = L; x <= W - R; x += 2) c.Set(x, y, Grid);
        }
        c.Line(L, H - B, W - R, H - B, Axis, 1);
        c.Line(L, T, L, H - B, Axis, 1);
        for (int i = 1; i < train.Count; i++)
            if (double.IsFinite(train[i - 1]) && double.IsFinite(train[i]))
                c.Line(f.X(i), f.Y(train[i - 1]), f.X(i + 1), f.Y(train[i]), TrainColor, 1);
        for (int i = 0; i < eval.Count; i++)
        {
            if (!double.IsFinite(eval[i])) continue;
            double x = f.X(EvalStep(i, stepsPerEpoch, f.Steps)), y = f.Y(eval[i]);
            if (i > 0 && double.IsFinite(eval[i - 1])) c.Line(f.X(EvalStep(i - 1, stepsPerEpoch, f.Steps)), f.Y(eval[i - 1]), x, y, EvalColor, 1);
            c.Disc(x, y, 3, EvalColor);
        }
        return Png.Encode(W, H, c.Pixels);
    }

    internal static readonly (byte R, byte G, byte B) TrainColor = (0x1f, 0x77, 0xb4), EvalColor = (0xd6, 0x27, 0x28),
        Axis = (0x44, 0x44, 0x44), Grid = (0xdd, 0xdd, 0xdd);

    /// <summary>RGB pixels, white to start; lines as runs of small discs (good enough for a loss curve).</summary>
    private sealed class Canvas(int width, int height)
    {
        public byte[] Pixels { get; } = Enumerable.Repeat((byte)255, width * height * 3).ToArray();

        public void Set(int x, int y, (byte R, byte G, byte B) color)
        {
            if ((uint)x >= (uint)width || (uint)y >= (uint)height) return;
            int i = (y * width + x) * 3;
            Pixels[i] = color.R; Pixels[i + 1] = color.G; Pixels[i + 2] = color.B;
        }

        public void Disc(double cx, double cy, double r, (byte R, byte G, byte B) color)
        {
            for (int y = (int)Math.Floor(cy - r); y <= (int)Math.Ceiling(cy + r); y++)
                for (int x = (int)Math.Floor(cx - r); x <= (int)Math.Ceiling(cx + r); x++)
                    if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r + 0.25) Set(x, y, color);
        }

        public void Line(double x0, double y0, double x1, double y1, (byte R, byte G, byte B) color, double halfWidth)
        {
            int n = (int)Math.Ceiling(Math.Max(Math.Abs(x1 - x0), Math.Abs(y1 - y0))) + 1;
            for (int k = 0; k <= n; k++)
            {
                double t = (double)k / n;
                Disc(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, halfWidth, color);
            }
        }
    }
}

/// <summary>A minimal PNG writer: 8-bit RGB, no interlace, each scanline filtered with "none", zlib-compressed.</summary>
public static class Png
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    public static byte[] Encode(int width, int height, ReadOnlySpan<byte> rgb)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"image size {width} × {height} must be positive");
        if (rgb.Length != width * height * 3) throw new ArgumentException($"{rgb.Length} bytes given, {width} × {height} RGB needs {width * height * 3}", nameof(rgb));
        var raw = new byte[height * (1 + width * 3)];
        for (int y = 0; y < height; y++) rgb.Slice(y * width * 3, width * 3).CopyTo(raw.AsSpan(y * (1 + width * 3) + 1));
        using var zlib = new MemoryStream();
        using (var z = new ZLibStream(zlib, CompressionLevel.Optimal, leaveOpen: true)) z.Write(raw);

        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], height);
        ihdr[8] = 8; ihdr[9] = 2;   // 8 bits per channel, truecolour; compression, filter, interlace 0
        Chunk(png, "IHDR", ihdr);
        Chunk(png, "IDAT", zlib.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream s, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(head, data.Length);
        Encoding.ASCII.GetBytes(type, head[4..]);
        s.Write(head);
        s.Write(data);
        uint crc = Crc32(head[4..], 0xFFFFFFFFu);
        crc = Crc32(data, crc) ^ 0xFFFFFFFFu;
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tail, crc);
        s.Write(tail);
    }

    /// <summary>The CRC-32 of ISO 3309 / PNG (reflected, polynomial 0xEDB88320), continued from <paramref name="crc"/>.</summary>
    internal static uint Crc32(ReadOnlySpan<byte> data, uint crc)
    {
        foreach (byte b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }
}
