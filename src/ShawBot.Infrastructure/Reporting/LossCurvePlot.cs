using ScottPlot;
using ShawBot.Engine.Training;

namespace ShawBot.Infrastructure.Reporting;

/// <summary>
/// A training run's <see cref="LossCurve"/> as a picture: PNG for Discord (which shows PNG inline but not
/// SVG) and SVG for the web page, both the same 640 × 360 ScottPlot figure. Train loss per step is a blue
/// line, eval loss per epoch red dots joined by a line. Both viewers shrink the image to ~400 px wide,
/// so text is sized for that: 16 px tick labels and 18 px axis labels here are ~10 and ~11 px there.
/// </summary>
public static class LossCurvePlot
{
    public const int Width = 640, Height = 360;
    public const string SvgFile = "loss-curve.svg", PngFile = "loss-curve.png";

    internal static readonly Color TrainColor = Color.FromHex("#1f77b4"), EvalColor = Color.FromHex("#d62728");

    public static byte[] RenderPng(LossCurve curve) => Build(curve).GetImageBytes(Width, Height, ImageFormat.Png);

    /// <summary>The SVG element alone (no XML declaration), ready to serve or to inline in a page.</summary>
    public static string RenderSvg(LossCurve curve)
    {
        string svg = Build(curve).GetSvgXml(Width, Height);
        return svg.StartsWith("<?xml", StringComparison.Ordinal) ? svg[(svg.IndexOf("?>", StringComparison.Ordinal) + 2)..].TrimStart() : svg;
    }

    /// <summary>Writes <see cref="SvgFile"/> and <see cref="PngFile"/> into <paramref name="folder"/>.</summary>
    public static void WriteBoth(LossCurve curve, string folder)
    {
        File.WriteAllText(Path.Combine(folder, SvgFile), RenderSvg(curve));
        File.WriteAllBytes(Path.Combine(folder, PngFile), RenderPng(curve));
    }

    /// <summary>
    /// The figure. Non-finite losses (a diverged step) are left out; the axes span steps 0…n and the finite
    /// losses (±0.5 when they are all equal), so an empty run still draws labelled axes.
    /// </summary>
    internal static Plot Build(LossCurve curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        var train = Finite(curve.TrainLosses.Select((v, i) => (X: (double)(i + 1), Y: v)));
        var eval = Finite(curve.EvalLosses.Select((v, e) => (X: (double)curve.EvalStep(e), Y: v)));
        if (train.Count > 0)
        {
            var line = plot.Add.ScatterLine(train.Select(p => p.X).ToArray(), train.Select(p => p.Y).ToArray(), TrainColor);
            line.LineWidth = 2;
            line.LegendText = "train loss";
        }

        if (eval.Count > 0)
        {
            var dots = plot.Add.Scatter(eval.Select(p => p.X).ToArray(), eval.Select(p => p.Y).ToArray(), EvalColor);
            dots.LineWidth = 2;
            dots.MarkerSize = 9;
            dots.LegendText = "eval loss";
        }

        var ys = train.Concat(eval).Select(p => p.Y).ToList();
        double lo = ys.Count > 0 ? ys.Min() : 0, hi = ys.Count > 0 ? ys.Max() : 1;
        if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
        double pad = (hi - lo) * 0.06;
        // A little room right of the last step, so its eval dot is not cut in half by the frame.
        int steps = Math.Max(1, curve.TrainLosses.Count);
        plot.Axes.SetLimits(0, steps * 1.03 + 0.1, lo - pad, hi + pad);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };

        plot.XLabel("optimizer step", 18);
        plot.YLabel("loss", 18);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 16;
        plot.Axes.Left.TickLabelStyle.FontSize = 16;
        if (train.Count + eval.Count > 0)
        {
            plot.ShowLegend(Alignment.UpperRight);
            plot.Legend.FontSize = 16;
        }

        return plot;
    }

    private static List<(double X, double Y)> Finite(IEnumerable<(double X, double Y)> points) => [.. points.Where(p => double.IsFinite(p.Y))];
}
