using System.Numerics.Tensors;

namespace ShawBot.Engine.Kernels;

/// <summary>
/// Causal-LM cross-entropy as transformers computes it: row t of the logits predicts target t
/// (the caller shifts labels by one); targets of −100 are ignored; the loss is the mean over the
/// rest. Backward: dlogits = (softmax − onehot) · scale / count, zero on ignored rows.
/// </summary>
public static class CrossEntropy
{
    public const int IgnoreIndex = -100;

    /// <summary>Returns (sum of losses, counted rows); dlogits (same shape as logits, may alias it) gets the gradient when not empty.</summary>
    public static (double Sum, int Count) Forward(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, int v, Span<float> dlogits, float gradScale)
    {
        int n = targets.Length;
        if (logits.Length < (long)n * v) throw new ArgumentException($"logits must hold [{n}, {v}]", nameof(logits));
        int count = Count(targets, v);
        float k = count == 0 ? 0f : gradScale / count;
        return (AccumulateRows(logits, targets, v, dlogits, k, 0), count);
    }

    /// <summary>Rows that carry a loss (target ≠ <see cref="IgnoreIndex"/>); throws for a target outside [0, v).</summary>
    public static int Count(ReadOnlySpan<int> targets, int v)
    {
        int count = 0;
        foreach (int t in targets)
        {
            if (t == IgnoreIndex) continue;
            if ((uint)t >= (uint)v) throw new ArgumentOutOfRangeException(nameof(targets), t, $"label outside the vocabulary [0, {v})");
            count++;
        }
        return count;
    }

    /// <summary>
    /// sum + Σ over the rows of (logsumexp(row) − row[target]), rows in order, so that a caller
    /// feeding the rows in chunks gets the sum <see cref="Forward"/> gets in one call. When dlogits
    /// is not empty (it may alias logits): dlogits = (softmax − onehot) · k, with k = gradScale / count
    /// over the whole batch; zero on ignored rows. Targets must have passed <see cref="Count"/>.
    /// </summary>
    public static double AccumulateRows(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, int v, Span<float> dlogits, float k, double sum)
    {
        int n = targets.Length;
        if (logits.Length < (long)n * v) throw new ArgumentException($"logits must hold [{n}, {v}]", nameof(logits));
        if (!dlogits.IsEmpty && dlogits.Length < (long)n * v) throw new ArgumentException($"dlogits must hold [{n}, {v}]", nameof(dlogits));
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> row = logits.Slice(i * v, v);
            int t = targets[i];
            if (t == IgnoreIndex)
            {
                if (!dlogits.IsEmpty) dlogits.Slice(i * v, v).Clear();
                continue;
            }
            // exp(row − max) lands in the gradient row (or scratch): one vectorised pass for the
            // normaliser, one scale for the softmax. dlogits may alias logits, so read row[t] first.
            float target = row[t], max = TensorPrimitives.Max(row);
            Span<float> e = dlogits.IsEmpty ? Scratch(v) : dlogits.Slice(i * v, v);
            TensorPrimitives.Subtract(row, max, e);
            TensorPrimitives.Exp(e, e);
            double z = TensorPrimitives.Sum(e);
            double lse = max + Math.Log(z);
            sum += lse - target;
            if (!dlogits.IsEmpty)
            {
                TensorPrimitives.Multiply(e, (float)(k / z), e);
                e[t] -= k;
            }
        }
        return sum;
    }

    [ThreadStatic] private static float[]? t_row;

    private static Span<float> Scratch(int v)
    {
        if (t_row == null || t_row.Length < v) t_row = new float[v];
        return t_row.AsSpan(0, v);
    }

    /// <summary>Shifts labels [B, T] into per-row targets: targets[b, t] = labels[b, t + 1], the last row of each sequence ignored.</summary>
    public static void ShiftLabels(ReadOnlySpan<int> labels, int b, int t, Span<int> targets)
    {
        for (int s = 0; s < b; s++)
        {
            for (int i = 0; i + 1 < t; i++) targets[s * t + i] = labels[s * t + i + 1];
            targets[s * t + t - 1] = IgnoreIndex;
        }
    }
}
