using ScottPlot;
using ShawBot.Engine.Training;
using ShawBot.Infrastructure.Reporting;
using ShawBot.Infrastructure.Tests.Support;

namespace ShawBot.Infrastructure.Tests.Reporting;

/// <summary>The loss-curve plots, the PNG decoded here independently: size, curves where the data says, readable text.</summary>
public sealed class LossCurvePlotTests
{
    private static readonly LossCurve Curve = new([2.0, 1.6, 1.3, 1.2], [1.5, 1.25], StepsPerEpoch: 2);

    private static (byte R, byte G, byte B) At(byte[] rgba, int w, int x, int y) => (rgba[(y * w + x) * 4], rgba[(y * w + x) * 4 + 1], rgba[(y * w + x) * 4 + 2]);

    private static bool Near((byte R, byte G, byte B) p, Color c, int tolerance) =>
        Math.Abs(p.R - c.R) + Math.Abs(p.G - c.G) + Math.Abs(p.B - c.B) <= tolerance;

    /// <summary>True when some pixel within <paramref name="radius"/> of (x, y) has colour <paramref name="c"/> (lines are anti-aliased).</summary>
    private static bool ColourAround(byte[] rgba, int w, int h, Pixel p, Color c, int radius = 1) =>
        Enumerable.Range(-radius, 2 * radius + 1).Any(dy => Enumerable.Range(-radius, 2 * radius + 1).Any(dx =>
        {
            int x = (int)Math.Round(p.X) + dx, y = (int)Math.Round(p.Y) + dy;
            return x >= 0 && y >= 0 && x < w && y < h && Near(At(rgba, w, x, y), c, 30);
        }));

    [Fact]
    public void The_png_has_the_curves_where_the_axes_put_the_numbers()
    {
        var plot = LossCurvePlot.Build(Curve);
        byte[] png = plot.GetImageBytes(LossCurvePlot.Width, LossCurvePlot.Height, ImageFormat.Png);
        if (Environment.GetEnvironmentVariable("SHAWBOT_PLOT_OUT") is { Length: > 0 } path) File.WriteAllBytes(path, png);
        var (w, h, rgba) = PngDecoder.Decode(png);
        Assert.Equal((640, 360), (w, h));
        Assert.Equal(((byte)255, (byte)255, (byte)255), At(rgba, w, 2, 2));
        // Every train point (step s, loss) and the middle of each segment are blue; the eval dots
        // (steps 2 and 4) red; a point of the frame no curve passes through stays white.
        for (int s = 1; s <= 4; s++)
            Assert.True(ColourAround(rgba, w, h, plot.GetPixel(new Coordinates(s, Curve.TrainLosses[s - 1])), LossCurvePlot.TrainColor, 2), $"train step {s}");
        Assert.True(ColourAround(rgba, w, h, plot.GetPixel(new Coordinates(1.5, 1.8)), LossCurvePlot.TrainColor), "train segment 1–2");
        for (int e = 0; e < 2; e++)
            Assert.True(ColourAround(rgba, w, h, plot.GetPixel(new Coordinates(Curve.EvalStep(e), Curve.EvalLosses[e])), LossCurvePlot.EvalColor, 0), $"eval epoch {e}");
        var empty = plot.GetPixel(new Coordinates(1.5, 1.25));
        Assert.Equal(((byte)255, (byte)255, (byte)255), At(rgba, w, (int)empty.X, (int)empty.Y));
    }

    [Fact]
    public void Axis_text_is_tall_enough_to_read_at_the_size_discord_and_the_page_show_it()
    {
        var plot = LossCurvePlot.Build(Curve);
        var (w, h, rgba) = PngDecoder.Decode(plot.GetImageBytes(LossCurvePlot.Width, LossCurvePlot.Height, ImageFormat.Png));
        var data = plot.RenderManager.LastRender.DataRect;
        // Below the data area: tick labels, then the "optimizer step" label. Rows holding dark (text) pixels
        // form bands; the axis label's band is the lowest one.
        var dark = Enumerable.Range((int)data.Bottom + 2, h - (int)data.Bottom - 2)
            .Where(y => Enumerable.Range(0, w).Any(x => At(rgba, w, x, y) is var p && p.R < 110 && p.G < 110 && p.B < 110)).ToList();
        var bands = new List<(int Top, int Bottom)>();
        foreach (int y in dark)
        {
            if (bands.Count > 0 && bands[^1].Bottom == y - 1) bands[^1] = (bands[^1].Top, y);
            else bands.Add((y, y));
        }
        Assert.True(bands.Count >= 2, $"tick labels and axis label below the plot, found bands {string.Join(", ", bands)}");
        // Shown ~400 px wide (0.625 ×), a 12 px band at 640 is ~7.5 px of glyph height: readable, unlike the old 11 px font's ~5 px.
        Assert.All(bands.TakeLast(2), b => Assert.True(b.Bottom - b.Top + 1 >= 12, $"text band {b} is under 12 px tall"));
    }

    [Fact]
    public void Empty_and_non_finite_losses_still_make_a_picture_and_the_svg_has_the_labels()
    {
        Assert.Equal((640, 360), PngDecoder.Size(LossCurvePlot.RenderPng(new LossCurve([], [], 1))));
        var (w, h, _) = PngDecoder.Decode(LossCurvePlot.RenderPng(new LossCurve([double.NaN, 1.0, double.PositiveInfinity, 0.5], [double.NaN], 2)));
        Assert.Equal((640, 360), (w, h));
        string svg = LossCurvePlot.RenderSvg(Curve);
        Assert.StartsWith("<svg", svg.TrimStart());
        Assert.Contains("optimizer step", svg);
        Assert.Contains("eval loss", svg);
    }

    [Fact]
    public void Both_files_land_in_the_folder()
    {
        using var folder = new TempFolder();
        LossCurvePlot.WriteBoth(Curve, folder.Path);
        Assert.Equal((640, 360), PngDecoder.Size(File.ReadAllBytes(folder.File(LossCurvePlot.PngFile))));
        // ScottPlot numbers clip paths from a process-wide counter; the rest is the same drawing.
        static string Normalized(string svg) => System.Text.RegularExpressions.Regex.Replace(svg, @"\bcl_[0-9a-f]+\b", "cl_N");
        Assert.Equal(Normalized(LossCurvePlot.RenderSvg(Curve)), Normalized(File.ReadAllText(folder.File(LossCurvePlot.SvgFile))));
    }
}
