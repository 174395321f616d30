using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace ShawBot.Engine.Kernels;

/// <summary>
/// Whole-sequence attention (pos0 = 0, training and long prefills) as matrix products per head,
/// so the work runs in the GEMM micro-kernel instead of T² short dot products:
///   S = Q_h K_gᵀ / √HS (into the probs block of head h), P = causal softmax(S), O_h = P V_g;
/// and backward
///   dP = dO_h V_gᵀ;  dV_g += Pᵀ dO_h;  dS = P ⊙ (dP − rowsum(dP ⊙ P)) / √HS;
///   dQ_h = dS K_g;  dK_g += dSᵀ Q_h.
/// The masked upper triangle is computed and zeroed (at most 2× the needed QKᵀ work, still
/// much faster than scalar loops). Parts own whole kv-head groups; GEMMs inside a part run serially.
/// </summary>
internal static unsafe class AttentionBlocked
{
    /// <summary>Below this length the loop kernels are as fast.</summary>
    public const int MinLength = 32;

    private struct Args
    {
        public float* Q, K, V, O, P, DO, DQ, DK, DV;
        public Attention.Shape S;
        public int Parts;
    }

    public static void Forward(float* q, float* k, float* v, float* o, float* probs, Attention.Shape s)
    {
        var a = new Args { Q = q, K = k, V = v, O = o, P = probs, S = s, Parts = Math.Min(WorkerPool.Concurrency, s.NKV) };
        WorkerPool.Run(a.Parts, &ForwardPart, Unsafe.AsPointer(ref a));
    }

    public static void Backward(float* q, float* k, float* v, float* probs, float* dout, float* dq, float* dk, float* dv, Attention.Shape s)
    {
        var a = new Args { Q = q, K = k, V = v, P = probs, DO = dout, DQ = dq, DK = dk, DV = dv, S = s, Parts = Math.Min(WorkerPool.Concurrency, s.NKV) };
        WorkerPool.Run(a.Parts, &BackwardPart, Unsafe.AsPointer(ref a));
    }

    private static Span<float> S(float* p, long n) => new(p, checked((int)n));

    private static void ForwardPart(int part, void* state)
    {
        ref Args a = ref Unsafe.AsRef<Args>(state);
        var s = a.S;
        int t = s.T, hs = s.HS, rep = s.NH / s.NKV;
        int g0 = s.NKV * part / a.Parts, g1 = s.NKV * (part + 1) / a.Parts;
        float scale = 1f / MathF.Sqrt(hs);
        for (int g = g0; g < g1; g++)
            for (int h = g * rep; h < (g + 1) * rep; h++)
            {
                float* p = a.P + (nint)h * t * t;
                var pSpan = S(p, (long)t * t);
                Gemm.Multiply(t, t, hs, S(a.Q + h * hs, (long)(t - 1) * s.LdQ + hs), s.LdQ, false,
                    S(a.K + g * hs, (long)(t - 1) * s.LdKV + hs), s.LdKV, true, pSpan, t, false);
                for (int i = 0; i < t; i++)
                {
                    Span<float> row = pSpan.Slice(i * t, t);
                    Span<float> vis = row[..(i + 1)];
                    TensorPrimitives.Multiply(vis, scale, vis);
                    float max = TensorPrimitives.Max(vis);
                    TensorPrimitives.Subtract(vis, max, vis);
                    TensorPrimitives.Exp(vis, vis);
                    TensorPrimitives.Multiply(vis, 1f / TensorPrimitives.Sum(vis), vis);
                    row[(i + 1)..].Clear();
                }
                Gemm.Multiply(t, hs, t, pSpan, t, false, S(a.V + g * hs, (long)(t - 1) * s.LdKV + hs), s.LdKV, false,
                    S(a.O + h * hs, (long)(t - 1) * s.LdO + hs), s.LdO, false);
            }
    }

    [ThreadStatic] private static float[]? t_dp;

    private static void BackwardPart(int part, void* state)
    {
        ref Args a = ref Unsafe.AsRef<Args>(state);
        var s = a.S;
        int t = s.T, hs = s.HS, rep = s.NH / s.NKV;
        int g0 = s.NKV * part / a.Parts, g1 = s.NKV * (part + 1) / a.Parts;
        float scale = 1f / MathF.Sqrt(hs);
        if (t_dp == null || t_dp.Length < t * t) t_dp = new float[t * t];
        Span<float> dp = t_dp.AsSpan(0, t * t);
        for (int g = g0; g < g1; g++)
        {
            var kg = S(a.K + g * hs, (long)(t - 1) * s.LdKV + hs);
            var vg = S(a.V + g * hs, (long)(t - 1) * s.LdKV + hs);
            var dkg = S(a.DK + g * hs, (long)(t - 1) * s.LdKV + hs);
            var dvg = S(a.DV + g * hs, (long)(t - 1) * s.LdKV + hs);
            for (int h = g * rep; h < (g + 1) * rep; h++)
            {
                var p = S(a.P + (nint)h * t * t, (long)t * t);
                var dO = S(a.DO + h * hs, (long)(t - 1) * s.LdO + hs);
                var qh = S(a.Q + h * hs, (long)(t - 1) * s.LdQ + hs);
                Gemm.Multiply(t, t, hs, dO, s.LdO, false, vg, s.LdKV, true, dp, t, false);          // dP = dO Vᵀ
                Gemm.Multiply(t, hs, t, p, t, true, dO, s.LdO, false, dvg, s.LdKV, true);            // dV += Pᵀ dO
                for (int i = 0; i < t; i++)
                {
                    Span<float> dpi = dp.Slice(i * t, i + 1);
                    ReadOnlySpan<float> pi = p.Slice(i * t, i + 1);
                    float dot = TensorPrimitives.Dot(dpi, pi);
                    TensorPrimitives.Subtract(dpi, dot, dpi);
                    TensorPrimitives.Multiply(dpi, pi, dpi);
                    TensorPrimitives.Multiply(dpi, scale, dpi);
                    dp.Slice(i * t + i + 1, t - i - 1).Clear();
                }
                Gemm.Multiply(t, hs, t, dp, t, false, kg, s.LdKV, false, S(a.DQ + h * hs, (long)(t - 1) * s.LdQ + hs), s.LdQ, false); // dQ = dS K
                Gemm.Multiply(t, hs, t, dp, t, true, qh, s.LdQ, false, dkg, s.LdKV, true);          // dK += dSᵀ Q
            }
        }
    }
}
