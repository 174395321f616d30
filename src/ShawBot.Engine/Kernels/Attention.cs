using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
                Span<float> sc = scores[..visible];
                // One call per key and per value row was most of a decode step's attention at a few
                // hundred positions: the dot products and the weighted sum of V run inline here.
                float* qp = a.Q + (nint)t * s.LdQ + h * hs;
                if (hs == 128 && Vector512.IsHardwareAccelerated) Scores128(qp, a.K + kvOff, s.LdKV, visible, scale, sc);
                else
                    for (int j = 0; j < visible; j++)
                        sc[j] = Dot(qp, a.K + (nint)j * s.LdKV + kvOff, hs) * scale;
                float max = TensorPrimitives.Max(sc);
                TensorPrimitives.Subtract(sc, max, sc);
                TensorPrimitives.Exp(sc, sc);
                float inv = 1f / TensorPrimitives.Sum(sc);
                TensorPrimitives.Multiply(sc, inv, sc);
                float* op = a.O + (nint)t * s.LdO + h * hs;
                if (hs == 128 && Vector512.IsHardwareAccelerated) WeightedSum128(a.V + kvOff, s.LdKV, sc, op);
                else
                {
                    new Span<float>(op, hs).Clear();
                    for (int j = 0; j < visible; j++)
                        AddScaled(op, a.V + (nint)j * s.LdKV + kvOff, sc[j], hs);
                }
                if (a.Probs != null)
                {
                    var row = new Span<float>(a.Probs + ((nint)h * s.T + t) * l, l);
                    sc.CopyTo(row);
                    row[visible..].Clear();
                }
            }
        }
    }

    /// <summary>
    /// Head size 128 (Mistral, Llama): sc[j] = scale · ⟨q, K_j⟩ for j &lt; n, four keys at a time so the
    /// four dot products run as independent chains and share each load of q.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scores128(float* q, float* k, int ldk, int n, float scale, Span<float> sc)
    {
        int j = 0;
        for (; j + 4 <= n; j += 4)
        {
            float* k0 = k + (nint)j * ldk, k1 = k0 + ldk, k2 = k1 + ldk, k3 = k2 + ldk;
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int c = 0; c < 128; c += 16)
            {
                var qc = Vector512.Load(q + c);
                a0 += Vector512.Load(k0 + c) * qc;
                a1 += Vector512.Load(k1 + c) * qc;
                a2 += Vector512.Load(k2 + c) * qc;
                a3 += Vector512.Load(k3 + c) * qc;
            }
            sc[j] = Vector512.Sum(a0) * scale;
            sc[j + 1] = Vector512.Sum(a1) * scale;
            sc[j + 2] = Vector512.Sum(a2) * scale;
            sc[j + 3] = Vector512.Sum(a3) * scale;
        }
        for (; j < n; j++) sc[j] = Dot(q, k + (nint)j * ldk, 128) * scale;
    }

    /// <summary>Head size 128: o = Σ_j p[j] · V_j with the 128 sums held in eight registers across all j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightedSum128(float* v, int ldv, ReadOnlySpan<float> p, float* o)
    {
        Vector512<float> o0 = default, o1 = default, o2 = default, o3 = default, o4 = default, o5 = default, o6 = default, o7 = default;
        for (int j = 0; j < p.Length; j++)
        {
            float* vj = v + (nint)j * ldv;
            var pj = Vector512.Create(p[j]);
            o0 += Vector512.Load(vj) * pj; o1 += Vector512.Load(vj + 16) * pj;
            o2 += Vector512.Load(vj + 32) * pj; o3 += Vector512.Load(vj + 48) * pj;
            o4 += Vector512.Load(vj + 64) * pj; o5 += Vector512.Load(vj + 80) * pj;
            o6 += Vector512.Load(vj + 96) * pj; o7 += Vector512.Load(vj + 112) * pj;
        }
        o0.Store(o); o1.Store(o + 16); o2.Store(o + 32); o3.Store(o + 48);
        o4.Store(o + 64); o5.Store(o + 80); o6.Store(o + 96); o7.Store(o + 112);
    }

    /// <summary>⟨a, b⟩ over n floats (two accumulators; 16- or 8-wide, then scalar).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(float* a, float* b, int n)
    {
        int i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= 32)
        {
            Vector512<float> s0 = default, s1 = default;
            for (; i + 32 <= n; i += 32)
            {
                s0 += Vector512.Load(a + i) * Vector512.Load(b + i);
                s1 += Vector512.Load(a + i + 16) * Vector512.Load(b + i + 16);
            }
            sum = Vector512.Sum(s0 + s1);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 16)
        {
            Vector256<float> s0 = default, s1 = default;
            for (; i + 16 <= n; i += 16)
            {
                s0 += Vector256.Load(a + i) * Vector256.Load(b + i);
                s1 += Vector256.Load(a + i + 8) * Vector256.Load(b + i + 8);
            }
            sum = Vector256.Sum(s0 + s1);
        }
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>y[0..n) += s · x[0..n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddScaled(float* y, float* x, float s, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var sv = Vector512.Create(s);
            for (; i + 16 <= n; i += 16) (Vector512.Load(y + i) + Vector512.Load(x + i) * sv).Store(y + i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var sv = Vector256.Create(s);
            for (; i + 8 <= n; i += 8) (Vector256.Load(y + i) + Vector256.Load(x + i) * sv).Store(y + i);
        }
        for (; i < n; i++) y[i] += s * x[i];
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
