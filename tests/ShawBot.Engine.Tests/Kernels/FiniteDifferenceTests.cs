using ShawBot.Engine.Kernels;

namespace ShawBot.Engine.Tests.Kernels;

/// <summary>
/// Each kernel's fp32 Backward against central differences (h = 1e-5) of a float64 re-statement of
/// its forward, on tiny shapes: a wrong or missing term shows up as an O(1) relative error.
/// The loss is L = Σ r ⊙ f(x) with a fixed random r, so dL/df = r.
/// </summary>
public class FiniteDifferenceTests
{
    private static double[] Fd(double[] x, Func<double[], double> loss)
    {
        const double h = 1e-5;
        var g = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double keep = x[i];
            x[i] = keep + h; double up = loss(x);
            x[i] = keep - h; double down = loss(x);
            x[i] = keep;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    private static void Agree(double[] fd, ReadOnlySpan<float> analytic, string what)
    {
        double scale = fd.Max(Math.Abs);
        for (int i = 0; i < fd.Length; i++)
            Assert.True(Math.Abs(fd[i] - analytic[i]) <= 1e-4 * scale + 1e-6,
                $"{what}[{i}]: finite difference {fd[i]:E4}, backward {analytic[i]:E4}");
    }

    private static double[] Rand(int n, int seed, double scale = 1) =>
        MatMulTests.Random(n, seed).Select(v => (double)v * scale).ToArray();

    private static float[] F(double[] a) => a.Select(v => (float)v).ToArray();

    [Fact]
    public void RmsNorm()
    {
        int t = 3, c = 8; const float eps = 1e-5f;
        double[] x = Rand(t * c, 1), w = Rand(c, 2), r = Rand(t * c, 3);
        double Loss(double[] xv, double[] wv)
        {
            double s = 0;
            for (int i = 0; i < t; i++)
            {
                double ms = 0; for (int j = 0; j < c; j++) ms += xv[i * c + j] * xv[i * c + j];
                double inv = 1 / Math.Sqrt(ms / c + eps);
                for (int j = 0; j < c; j++) s += r[i * c + j] * wv[j] * xv[i * c + j] * inv;
            }
            return s;
        }
        var y = new float[t * c]; var rstd = new float[t];
        ShawBot.Engine.Kernels.RmsNorm.Forward(F(x), F(w), y, rstd, t, c, eps);
        var dx = new float[t * c]; var dw = new float[c];
        ShawBot.Engine.Kernels.RmsNorm.Backward(F(r), F(x), F(w), rstd, dx, dw, new float[c], t, c);
        Agree(Fd(x, xv => Loss(xv, w)), dx, "dx");
        Agree(Fd(w, wv => Loss(x, wv)), dw, "dw");
    }

    [Fact]
    public void SwiGlu()
    {
        int n = 12;
        double[] g = Rand(n, 4, 3), u = Rand(n, 5), r = Rand(n, 6);
        double Loss(double[] gv, double[] uv) => Enumerable.Range(0, n).Sum(i => r[i] * gv[i] / (1 + Math.Exp(-gv[i])) * uv[i]);
        var dg = new float[n]; var du = new float[n];
        ShawBot.Engine.Kernels.SwiGlu.Backward(F(r), F(g), F(u), dg, du);
        Agree(Fd(g, gv => Loss(gv, u)), dg, "dgate");
        Agree(Fd(u, uv => Loss(g, uv)), du, "dup");
    }

    [Fact]
    public void Rope()
    {
        int t = 3, heads = 2, hs = 8, ld = heads * hs;
        var table = new RopeTable(hs, 16, 10000);
        int[] pos = [0, 5, 11];
        double[] x = Rand(t * ld, 7), r = Rand(t * ld, 8);
        double Loss(double[] xv)
        {
            var y = F(xv);
            table.Forward(y, t, heads, ld, pos);
            // Rotation in double would match to 1e-7; the float forward suffices for a linear map.
            return y.Select((v, i) => r[i] * v).Sum();
        }
        var dx = F(r);
        table.Backward(dx, t, heads, ld, pos);
        const double h = 1e-2;   // linear in x: larger steps are exact and beat fp32 rounding
        var fd = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double k = x[i]; x[i] = k + h; double up = Loss(x); x[i] = k - h; double down = Loss(x); x[i] = k;
            fd[i] = (up - down) / (2 * h);
        }
        for (int i = 0; i < fd.Length; i++) Assert.True(Math.Abs(fd[i] - dx[i]) < 1e-4, $"rope dx[{i}]: {fd[i]} vs {dx[i]}");
    }

    [Fact]
    public void AttentionWithGqa()
    {
        int t = 4, nh = 4, nkv = 2, hs = 4, ldq = nh * hs, ldkv = nkv * hs;
        double[] q = Rand(t * ldq, 9), k = Rand(t * ldkv, 10), v = Rand(t * ldkv, 11), r = Rand(t * ldq, 12);
        var s = new Attention.Shape(t, 0, nh, nkv, hs, ldq, ldkv, ldq);
        double Loss(double[] qv, double[] kv, double[] vv)
        {
            double total = 0;
            for (int h = 0; h < nh; h++)
                for (int i = 0; i < t; i++)
                {
                    int g = h / (nh / nkv);
                    var sc = new double[i + 1];
                    for (int j = 0; j <= i; j++)
                    {
                        double d = 0; for (int e = 0; e < hs; e++) d += qv[i * ldq + h * hs + e] * kv[j * ldkv + g * hs + e];
                        sc[j] = d / Math.Sqrt(hs);
                    }
                    double max = sc.Max(), z = sc.Sum(x => Math.Exp(x - max));
                    for (int e = 0; e < hs; e++)
                    {
                        double o = 0; for (int j = 0; j <= i; j++) o += Math.Exp(sc[j] - max) / z * vv[j * ldkv + g * hs + e];
                        total += r[i * ldq + h * hs + e] * o;
                    }
                }
            return total;
        }
        var o = new float[t * ldq]; var probs = new float[nh * t * t];
        Attention.Forward(F(q), F(k), F(v), o, probs, s);
        var dq = new float[t * ldq]; var dk = new float[t * ldkv]; var dv = new float[t * ldkv];
        AttentionGrad.Backward(F(q), F(k), F(v), probs, F(r), dq, dk, dv, s);
        Agree(Fd(q, x => Loss(x, k, v)), dq, "dq");
        Agree(Fd(k, x => Loss(q, x, v)), dk, "dk");
        Agree(Fd(v, x => Loss(q, k, x)), dv, "dv");
    }

    [Fact]
    public void CrossEntropyIgnoresMinus100()
    {
        int n = 3, v = 5;
        double[] logits = Rand(n * v, 13, 2);
        int[] targets = [2, CrossEntropy.IgnoreIndex, 4];
        double Loss(double[] l)
        {
            double s = 0; int c = 0;
            for (int i = 0; i < n; i++)
            {
                if (targets[i] < 0) continue;
                double max = Enumerable.Range(0, v).Max(j => l[i * v + j]);
                double lse = max + Math.Log(Enumerable.Range(0, v).Sum(j => Math.Exp(l[i * v + j] - max)));
                s += lse - l[i * v + targets[i]]; c++;
            }
            return s / c;
        }
        var d = new float[n * v];
        var (sum, count) = CrossEntropy.Forward(F(logits), targets, v, d, 1f);
        Assert.Equal(2, count);
        Assert.Equal(Loss(logits), sum / count, 1e-5);
        Agree(Fd(logits, Loss), d, "dlogits");
        Assert.All(d.AsSpan(v, v).ToArray(), x => Assert.Equal(0f, x));
    }
}
