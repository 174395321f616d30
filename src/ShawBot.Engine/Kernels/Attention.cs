using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace ShawBot.Engine.Kernels;

/// <summary>
/// Causal scaled-dot-product attention with grouped-query heads, as transformers' eager path:
/// P = softmax(Q Kᵀ / √HS + causal mask) in fp32, O = P V; query head h reads kv head h / (NH / NKV)
/// (repeat_interleave). Query row t sits at position pos0 + t and sees keys 0 … pos0 + t.
/// </summary>
public static unsafe class Attention
{
    /// <summary>Shapes and strides of one call; spans are passed separately.</summary>
    public readonly record struct Shape(int T, int Pos0, int NH, int NKV, int HS, int LdQ, int LdKV, int LdO);

    private struct Args
    {
        public float* Q, K, V, O, Probs;
        public Shape S;
        public int Parts;
    }

    /// <summary>
    /// q [T, LdQ], k/v [pos0 + T, LdKV], o [T, LdO]. probs, when not empty, receives P as
    /// [NH, T, pos0 + T] for the backward pass (zeros above the diagonal).
    /// </summary>
    public static void Forward(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> o, Span<float> probs, Shape s)
    {
        Validate(s);
        int l = s.Pos0 + s.T;
        if (q.Length < (long)(s.T - 1) * s.LdQ + s.NH * s.HS) throw new ArgumentException("q is shorter than [T, NH·HS]", nameof(q));
        if (k.Length < (long)(l - 1) * s.LdKV + s.NKV * s.HS || v.Length < (long)(l - 1) * s.LdKV + s.NKV * s.HS)
            throw new ArgumentException("k/v are shorter than [pos0 + T, NKV·HS]");
        if (o.Length < (long)(s.T - 1) * s.LdO + s.NH * s.HS) throw new ArgumentException("o is shorter than [T, NH·HS]", nameof(o));
        if (!probs.IsEmpty && probs.Length < (long)s.NH * s.T * l) throw new ArgumentException("probs is shorter than [NH, T, L]", nameof(probs));
        fixed (float* pq = q) fixed (float* pk = k) fixed (float* pv = v) fixed (float* po = o) fixed (float* pp = probs)
        {
            if (!probs.IsEmpty && s.Pos0 == 0 && s.T >= AttentionBlocked.MinLength)
            {
                AttentionBlocked.Forward(pq, pk, pv, po, pp, s);
                return;
            }
            var args = new Args { Q = pq, K = pk, V = pv, O = po, Probs = probs.IsEmpty ? null : pp, S = s };
            // Work per head is T · L · HS; below ~64k MACs a second thread costs more than it saves.
            args.Parts = (long)s.T * l * s.HS * s.NH < 1 << 16 ? 1 : Math.Min(WorkerPool.Concurrency, s.NH);
            WorkerPool.Run(args.Parts, &ForwardPart, Unsafe.AsPointer(ref args));
        }
    }

    private static void Validate(Shape s)
    {
        if (s.T <= 0 || s.Pos0 < 0 || s.NH <= 0 || s.NKV <= 0 || s.HS <= 0 || s.NH % s.NKV != 0)
            throw new ArgumentException($"bad attention shape {s}");
    }

    [ThreadStatic] private static float[]? t_scores;

    private static void ForwardPart(int part, void* state)
    {
        ref Args a = ref Unsafe.AsRef<Args>(state);
        Shape s = a.S;
        int h0 = s.NH * part / a.Parts, h1 = s.NH * (part + 1) / a.Parts;
        int l = s.Pos0 + s.T, rep = s.NH / s.NKV, hs = s.HS;
        float scale = 1f / MathF.Sqrt(hs);
        if (t_scores == null || t_scores.Length < l) t_scores = new float[Math.Max(l, 256)];
        Span<float> scores = t_scores;
        for (int h = h0; h < h1; h++)
        {
            int kvOff = h / rep * hs;
            for (int t = 0; t < s.T; t++)
            {
                int visible = s.Pos0 + t + 1;
                var qv = new ReadOnlySpan<float>(a.Q + (nint)t * s.LdQ + h * hs, hs);
                Span<float> sc = scores[..visible];
                for (int j = 0; j < visible; j++)
                    sc[j] = TensorPrimitives.Dot(qv, new ReadOnlySpan<float>(a.K + (nint)j * s.LdKV + kvOff, hs)) * scale;
                float max = TensorPrimitives.Max(sc);
                TensorPrimitives.Subtract(sc, max, sc);
                TensorPrimitives.Exp(sc, sc);
                float inv = 1f / TensorPrimitives.Sum(sc);
                TensorPrimitives.Multiply(sc, inv, sc);
                var ov = new Span<float>(a.O + (nint)t * s.LdO + h * hs, hs);
                ov.Clear();
                for (int j = 0; j < visible; j++)
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(a.V + (nint)j * s.LdKV + kvOff, hs), sc[j], ov, ov);
                if (a.Probs != null)
                {
                    var row = new Span<float>(a.Probs + ((nint)h * s.T + t) * l, l);
                    sc.CopyTo(row);
                    row[visible..].Clear();
                }
            }
        }
    }

    /// <summary>Plain loops in double for tests (no GQA shortcuts, no SIMD).</summary>
    public static void Reference(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> o, Shape s)
    {
        int l = s.Pos0 + s.T, rep = s.NH / s.NKV;
        var sc = new double[l];
        for (int h = 0; h < s.NH; h++)
            for (int t = 0; t < s.T; t++)
            {
                int visible = s.Pos0 + t + 1, kvOff = h / rep * s.HS;
                double max = double.NegativeInfinity, sum = 0;
                for (int j = 0; j < visible; j++)
                {
                    double d = 0;
                    for (int e = 0; e < s.HS; e++) d += (double)q[t * s.LdQ + h * s.HS + e] * k[j * s.LdKV + kvOff + e];
                    sc[j] = d / Math.Sqrt(s.HS);
                    max = Math.Max(max, sc[j]);
                }
                for (int j = 0; j < visible; j++) { sc[j] = Math.Exp(sc[j] - max); sum += sc[j]; }
                for (int e = 0; e < s.HS; e++)
                {
                    double acc = 0;
                    for (int j = 0; j < visible; j++) acc += sc[j] / sum * v[j * s.LdKV + kvOff + e];
                    o[t * s.LdO + h * s.HS + e] = (float)acc;
                }
            }
    }
}
