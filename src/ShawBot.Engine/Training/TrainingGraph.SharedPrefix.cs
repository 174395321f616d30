using ShawBot.Engine.Kernels;

namespace ShawBot.Engine.Training;

/// <summary>
/// Attention over the row layout of <see cref="PrefixBatch"/>: rows [0, P) are the shared prefix
/// (positions 0 … P−1), then example e's own rows (positions P … P + Sₑ − 1).
///
/// Why this is exact. Every op except attention maps row r to row r with the same weights, so
/// computing a prefix row once gives the value each example would have computed for it. In
/// attention, a prefix query (position i &lt; P) sees keys 0 … i only, all prefix rows, so it too
/// is the same for every example; a suffix query of example e sees the prefix's K/V and its own,
/// exactly as generation's cached prefix does. Forward: Oₑ = attn([Q_P; Qₑ], [K_P; Kₑ], [V_P; Vₑ]),
/// of which rows P… are example e's output and rows 0 … P−1 the prefix's (the same for every e).
///
/// Backward (chain rule). The per-example loss is L = Σₑ Lₑ, and Lₑ depends on the prefix rows'
/// values only through (a) the prefix's own attention output (read by the prefix rows' later
/// layers, which feed later layers' K/V) and (b) K_P, V_P as read by example e's queries. So
///   dL/dK_P = Σₑ ∂Lₑ/∂K_P = Σₑ [dSₑᵀ Qₑ / √HS]_prefix rows + (prefix's own dSᵀ Q_P / √HS),
///   dL/dV_P = Σₑ [Pₑᵀ dOₑ]_prefix rows + (prefix's own Pᵀ dO_P),
///   dL/dQ_P = dS_P K_P / √HS, from the prefix's own output gradient dO_P (itself already the
///             sum over examples, since the prefix rows' later layers ran once for all of them).
/// We get these from the existing whole-sequence backward: for example e run it on the
/// concatenated sequence with dO = [dO_P if e = 0 else 0; dOₑ]. A zero output row gives
/// dP = 0 · Vᵀ = 0, dS = P ⊙ (0 − 0) = 0, so it adds exactly nothing to dQ, dK, dV; the e = 0
/// call carries the prefix's own term once. Then dK_P = Σₑ dK_cat,e[0, P) (and likewise dV_P),
/// dKₑ = dK_cat,e[P, P + Sₑ). From there dK_P → RoPE⁻¹ → W_k, LoRA_k → dh1 of the prefix rows →
/// the prefix's RMSNorm → dx of the prefix rows → the previous layer, once, which is the sum of the
/// per-example paths because every map on those rows is linear in its upstream gradient:
/// e.g. LoRA's dB = Σ_rows dy_r (A x_r)ᵀ with x_r the same for every example.
/// When P = 0 the rows of each example are contiguous and attention runs on them in place.
/// </summary>
public sealed partial class TrainingGraph
{
    private int _segments, _prefix;
    private readonly int[] _segStart, _segLen;
    private readonly float[] _qCat, _kCat, _vCat, _oCat, _doCat, _dqCat, _dkCat, _dvCat;   // (maxT, qd) / (maxT, kvd)

    /// <summary>
    /// Example s's attention probabilities [NH, L, L], L = P + Sₛ, packed one example after another; with
    /// checkpointing, one example's at a time (the backward recomputes them per example, see AttentionBackward).
    /// </summary>
    private Span<float> Probs(LayerActs a, int s)
    {
        int nh = _c.NumHeads, t = _prefix + _segLen[s];
        if (Checkpointing) return a.Probs.AsSpan(0, nh * t * t);
        long off = 0;
        for (int i = 0; i < s; i++) off += (long)nh * (_prefix + _segLen[i]) * (_prefix + _segLen[i]);
        return a.Probs.AsSpan(checked((int)off), nh * t * t);
    }

    private Attention.Shape ShapeFor(int length) =>
        new(length, 0, _c.NumHeads, _c.NumKvHeads, _c.HeadDim, _c.NumHeads * _c.HeadDim, _c.NumKvHeads * _c.HeadDim, _c.NumHeads * _c.HeadDim);

    /// <summary>Copies rows [0, P) and [start, start + len) of src (row width d) into dst, contiguously.</summary>
    private void Gather(float[] src, int d, int s, float[] dst)
    {
        int p = _prefix;
        src.AsSpan(0, p * d).CopyTo(dst);
        src.AsSpan(_segStart[s] * d, _segLen[s] * d).CopyTo(dst.AsSpan(p * d));
    }

    private void AttentionForward(LayerActs a)
    {
        int qd = _c.NumHeads * _c.HeadDim, kvd = _c.NumKvHeads * _c.HeadDim, p = _prefix;
        for (int s = 0; s < _segments; s++)
        {
            int start = _segStart[s], len = _segLen[s], t = p + len;
            var probs = Probs(a, s);
            if (p == 0)
            {
                Attention.Forward(a.Q.AsSpan(start * qd, len * qd), a.K.AsSpan(start * kvd, len * kvd), a.V.AsSpan(start * kvd, len * kvd),
                    a.Att.AsSpan(start * qd, len * qd), probs, ShapeFor(len));
                continue;
            }
            Gather(a.Q, qd, s, _qCat); Gather(a.K, kvd, s, _kCat); Gather(a.V, kvd, s, _vCat);
            Attention.Forward(_qCat, _kCat, _vCat, _oCat, probs, ShapeFor(t));
            _oCat.AsSpan(p * qd, len * qd).CopyTo(a.Att.AsSpan(start * qd));
            if (s == 0) _oCat.AsSpan(0, p * qd).CopyTo(a.Att);
        }
    }

    /// <summary>
    /// _datt → _dq (overwritten), _dk and _dv (overwritten; prefix rows summed over examples). With checkpointing
    /// each example's probabilities are recomputed here, from the same q, k, v by the same kernel (so bit for bit
    /// the forward's), into the one example's buffer: one more attention forward per layer instead of holding
    /// B · NH · T² values.
    /// </summary>
    private void AttentionBackward(LayerActs a, int n)
    {
        int qd = _c.NumHeads * _c.HeadDim, kvd = _c.NumKvHeads * _c.HeadDim, p = _prefix;
        Array.Clear(_dk, 0, n * kvd); Array.Clear(_dv, 0, n * kvd);
        for (int s = 0; s < _segments; s++)
        {
            int start = _segStart[s], len = _segLen[s], t = p + len;
            var probs = Probs(a, s);
            if (p == 0)
            {
                if (Checkpointing)
                    Attention.Forward(a.Q.AsSpan(start * qd, len * qd), a.K.AsSpan(start * kvd, len * kvd), a.V.AsSpan(start * kvd, len * kvd),
                        _oCat, probs, ShapeFor(len));
                AttentionGrad.Backward(a.Q.AsSpan(start * qd, len * qd), a.K.AsSpan(start * kvd, len * kvd), a.V.AsSpan(start * kvd, len * kvd),
                    probs, _datt.AsSpan(start * qd, len * qd),
                    _dq.AsSpan(start * qd, len * qd), _dk.AsSpan(start * kvd, len * kvd), _dv.AsSpan(start * kvd, len * kvd), ShapeFor(len));
                continue;
            }
            Gather(a.Q, qd, s, _qCat); Gather(a.K, kvd, s, _kCat); Gather(a.V, kvd, s, _vCat);
            if (Checkpointing) Attention.Forward(_qCat, _kCat, _vCat, _oCat, probs, ShapeFor(t));
            // dO = [dO_P if s = 0 else 0; dOₛ]: the prefix's own output gradient enters once.
            if (s == 0) _datt.AsSpan(0, p * qd).CopyTo(_doCat);
            else Array.Clear(_doCat, 0, p * qd);
            _datt.AsSpan(start * qd, len * qd).CopyTo(_doCat.AsSpan(p * qd));
            Array.Clear(_dkCat, 0, t * kvd); Array.Clear(_dvCat, 0, t * kvd);
            AttentionGrad.Backward(_qCat, _kCat, _vCat, probs, _doCat, _dqCat, _dkCat, _dvCat, ShapeFor(t));
            _dqCat.AsSpan(p * qd, len * qd).CopyTo(_dq.AsSpan(start * qd));
            if (s == 0) _dqCat.AsSpan(0, p * qd).CopyTo(_dq);       // zero for s > 0: their prefix rows had dO = 0
            _dkCat.AsSpan(p * kvd, len * kvd).CopyTo(_dk.AsSpan(start * kvd));
            _dvCat.AsSpan(p * kvd, len * kvd).CopyTo(_dv.AsSpan(start * kvd));
            // dK_P = Σₛ dK_cat,s[0, P), dV_P likewise.
            System.Numerics.Tensors.TensorPrimitives.Add(_dk.AsSpan(0, p * kvd), _dkCat.AsSpan(0, p * kvd), _dk.AsSpan(0, p * kvd));
            System.Numerics.Tensors.TensorPrimitives.Add(_dv.AsSpan(0, p * kvd), _dvCat.AsSpan(0, p * kvd), _dv.AsSpan(0, p * kvd));
        }
    }
}
