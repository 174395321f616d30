using System.Numerics.Tensors;

namespace ShawBot.Engine.Kernels;

/// <summary>
/// RMSNorm as transformers' LlamaRMSNorm, in fp32: y = w ⊙ x · r with r = 1 / √(mean(x²) + ε).
/// </summary>
public static class RmsNorm
{
    /// <summary>x, y: [T, C]; w: [C]; rstd (optional, [T]) keeps r for the backward pass.</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y, Span<float> rstd, int t, int c, float eps)
    {
        if (w.Length != c) throw new ArgumentException($"norm weight has {w.Length} values, C = {c}", nameof(w));
        if (x.Length < t * c || y.Length < t * c) throw new ArgumentException($"x and y must hold [{t}, {c}]");
        if (!rstd.IsEmpty && rstd.Length < t) throw new ArgumentException($"rstd must hold {t} values", nameof(rstd));
        for (int i = 0; i < t; i++)
        {
            ReadOnlySpan<float> xi = x.Slice(i * c, c);
            Span<float> yi = y.Slice(i * c, c);
            float r = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(xi) / c + eps);
            if (!rstd.IsEmpty) rstd[i] = r;
            // torch: weight * (x * r): multiply by r first, then by w, for the same rounding.
            TensorPrimitives.Multiply(xi, r, yi);
            TensorPrimitives.Multiply(yi, w, yi);
        }
    }

    /// <summary>
    /// dx += r·(w⊙dy) − x · r³/C · Σ(w⊙dy⊙x);  dw += Σ_t dy ⊙ x·r.
    /// dw may be empty for a frozen norm; scratch needs C values.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> rstd,
        Span<float> dx, Span<float> dw, Span<float> scratch, int t, int c)
    {
        for (int i = 0; i < t; i++)
        {
            ReadOnlySpan<float> dyi = dy.Slice(i * c, c), xi = x.Slice(i * c, c);
            Span<float> dxi = dx.Slice(i * c, c), g = scratch[..c];
            float r = rstd[i];
            TensorPrimitives.Multiply(dyi, w, g);                   // g = w ⊙ dy
            float dot = TensorPrimitives.Dot(g, xi);                // Σ g ⊙ x
            float k = dot * r * r * r / c;
            for (int j = 0; j < c; j++) dxi[j] += g[j] * r - xi[j] * k;
            if (!dw.IsEmpty)
                for (int j = 0; j < c; j++) dw[j] += dyi[j] * xi[j] * r;
        }
    }
}
