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
        int count = 0;
        foreach (int t in targets)
        {
            if (t == IgnoreIndex) continue;
            if ((uint)t >= (uint)v) throw new ArgumentOutOfRangeException(nameof(targets), t, $"label outside the vocabulary [0, {v})");
            count++;
        }
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> row = logits.Slice(i * v, v);
            int t = targets[i];
            if (t == IgnoreIndex)
            {
                if (!dlogits.IsEmpty) dlogits.Slice(i * v, v).Clear();
                continue;
            }
            float max = TensorPrimitives.Max(row);
            double z = 0;
            for (int j = 0; j < v; j++) z += Math.Exp(row[j] - max);
            double lse = max + Math.Log(z);
            sum += lse - row[t];
            if (!dlogits.IsEmpty)
            {
                Span<float> d = dlogits.Slice(i * v, v);
                float k = gradScale / count;
                for (int j = 0; j < v; j++) d[j] = (float)Math.Exp(row[j] - lse) * k;
                d[t] -= k;
            }
        }
        return (sum, count);
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
