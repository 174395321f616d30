using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace ShawBot.Engine.Kernels;

public static unsafe partial class AttentionGrad
{
    private struct Args
    {
        public float* Q, K, V, P, DO, DQ, DK, DV;
        public Attention.Shape S;
        public int Parts;
    }

    /// <summary>
    /// Backward of <see cref="Attention.Forward"/> (pos0 = 0, one sequence) given its probs P [NH, T, T]:
    /// dP = dO Vᵀ;  dS = P ⊙ (dP − Σⱼ dP ⊙ P);  dQ = dS K / √HS;  dK += dSᵀ Q / √HS;  dV += Pᵀ dO.
    /// dq is overwritten; dk and dv accumulate over the query heads that share a kv head.
    /// Parts own whole kv-head groups, so no two threads write the same dk/dv row.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, ReadOnlySpan<float> probs,
        ReadOnlySpan<float> dout, Span<float> dq, Span<float> dk, Span<float> dv, Attention.Shape s)
    {
        if (s.Pos0 != 0) throw new ArgumentException("attention backward runs on whole sequences (pos0 = 0)");
        if (probs.Length < (long)s.NH * s.T * s.T) throw new ArgumentException("probs must hold [NH, T, T]", nameof(probs));
        fixed (float* pq = q) fixed (float* pk = k) fixed (float* pv = v) fixed (float* pp = probs) fixed (float* pdo = dout)
        fixed (float* pdq = dq) fixed (float* pdk = dk) fixed (float* pdv = dv)
        {
            if (s.T >= AttentionBlocked.MinLength && !ForceLoops)
            {
                AttentionBlocked.Backward(pq, pk, pv, pp, pdo, pdq, pdk, pdv, s);
                return;
            }
            var a = new Args { Q = pq, K = pk, V = pv, P = pp, DO = pdo, DQ = pdq, DK = pdk, DV = pdv, S = s };
            a.Parts = (long)s.T * s.T * s.HS * s.NH < 1 << 16 ? 1 : Math.Min(WorkerPool.Concurrency, s.NKV);
            WorkerPool.Run(a.Parts, &Part, Unsafe.AsPointer(ref a));
        }
    }

    /// <summary>Tests: use the per-row loop kernel even for long sequences (the reference for the blocked path).</summary>
    [ThreadStatic] internal static bool ForceLoops;

    [ThreadStatic] private static float[]? t_dp;

    private static void Part(int part, void* state)
    {
        ref Args a = ref Unsafe.AsRef<Args>(state);
        var s = a.S;
        int g0 = s.NKV * part / a.Parts, g1 = s.NKV * (part + 1) / a.Parts, rep = s.NH / s.NKV, hs = s.HS, t = s.T;
        float scale = 1f / MathF.Sqrt(hs);
        if (t_dp == null || t_dp.Length < t) t_dp = new float[Math.Max(t, 256)];
        Span<float> dp = t_dp;
        for (int g = g0; g < g1; g++)
            for (int h = g * rep; h < (g + 1) * rep; h++)
            {
                int kvOff = g * hs;
                for (int i = 0; i < t; i++)
                {
                    int vis = i + 1;
                    var p = new ReadOnlySpan<float>(a.P + ((nint)h * t + i) * t, vis);
                    var dOi = new ReadOnlySpan<float>(a.DO + (nint)i * s.LdO + h * hs, hs);
                    Span<float> dpi = dp[..vis];
                    for (int j = 0; j < vis; j++)
                    {
                        dpi[j] = TensorPrimitives.Dot(dOi, new ReadOnlySpan<float>(a.V + (nint)j * s.LdKV + kvOff, hs));
                        // dV[j] += P[i, j] · dO[i]
                        var dvj = new Span<float>(a.DV + (nint)j * s.LdKV + kvOff, hs);
                        TensorPrimitives.MultiplyAdd(dOi, p[j], dvj, dvj);
                    }
                    float dot = TensorPrimitives.Dot(dpi, p);
                    var dqi = new Span<float>(a.DQ + (nint)i * s.LdQ + h * hs, hs);
                    dqi.Clear();
                    var qi = new ReadOnlySpan<float>(a.Q + (nint)i * s.LdQ + h * hs, hs);
                    for (int j = 0; j < vis; j++)
                    {
                        float ds = p[j] * (dpi[j] - dot) * scale;
                        if (ds == 0f) continue;
                        TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(a.K + (nint)j * s.LdKV + kvOff, hs), ds, dqi, dqi);
                        var dkj = new Span<float>(a.DK + (nint)j * s.LdKV + kvOff, hs);
                        TensorPrimitives.MultiplyAdd(qi, ds, dkj, dkj);
                    }
                }
            }
    }
}
