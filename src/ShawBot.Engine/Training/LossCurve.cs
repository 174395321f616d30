using System.Globalization;
using System.Text;

namespace ShawBot.Engine.Training;

/// <summary>A small self-contained SVG of training loss per step and eval loss per epoch.</summary>
public static class LossCurve
{
    public static void WriteSvg(string path, IReadOnlyList<double> train, IReadOnlyList<double> eval, int stepsPerEpoch)
    {
        const int W = 640, H = 360, L = 56, R = 16, T = 24, B = 40;
        var all = train.Concat(eval).Where(v => !double.IsNaN(v) && !double.IsInfinity(v)).ToList();
        double lo = all.Count > 0 ? all.Min() : 0, hi = all.Count > 0 ? all.Max() : 1;
        if (hi - lo < 1e-9) { hi += 0.5; lo -= 0.5; }
        int steps = Math.Max(1, train.Count);
        string X(double step) => (L + (W - L - R) * step / steps).ToString("0.0", CultureInfo.InvariantCulture);
        string Y(double v) => (T + (H - T - B) * (hi - v) / (hi - lo)).ToString("0.0", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"11\">");
        sb.Append($"<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>");
        sb.Append($"<line x1=\"{L}\" y1=\"{H - B}\" x2=\"{W - R}\" y2=\"{H - B}\" stroke=\"#444\"/><line x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{H - B}\" stroke=\"#444\"/>");
        for (int i = 0; i <= 4; i++)
        {
            double v = lo + (hi - lo) * i / 4;
            sb.Append($"<text x=\"{L - 6}\" y=\"{Y(v)}\" text-anchor=\"end\">{v.ToString("0.00", CultureInfo.InvariantCulture)}</text>");
        }
        sb.Append($"<text x=\"{(W + L) / 2}\" y=\"{H - 8}\" text-anchor=\"middle\">optimizer step ({steps})</text>");
        if (train.Count > 0)
            sb.Append("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"")
              .Append(string.Join(' ', train.Select((v, i) => $"{X(i + 1)},{Y(v)}"))).Append("\"/>");
        if (eval.Count > 0)
        {
            sb.Append("<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" points=\"")
              .Append(string.Join(' ', eval.Select((v, i) => $"{X(Math.Min(steps, (i + 1) * stepsPerEpoch))},{Y(v)}"))).Append("\"/>");
            foreach (var (v, i) in eval.Select((v, i) => (v, i)))
                sb.Append($"<circle cx=\"{X(Math.Min(steps, (i + 1) * stepsPerEpoch))}\" cy=\"{Y(v)}\" r=\"3\" fill=\"#d62728\"/>");
        }
        sb.Append($"<text x=\"{W - R - 150}\" y=\"{T + 4}\" fill=\"#1f77b4\">— train loss</text><text x=\"{W - R - 70}\" y=\"{T + 4}\" fill=\"#d62728\">● eval loss</text>");
        sb.Append("</svg>");
        File.WriteAllText(path, sb.ToString());
    }
}
