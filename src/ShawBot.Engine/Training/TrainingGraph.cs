using ShawBot.Engine.Kernels;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;

namespace ShawBot.Engine.Training;

/// <summary>
/// Forward and hand-written backward of the decoder over a batch of B sequences of T tokens
/// (rows n = b·T + t), accumulating d loss / d θ into the LoRA adapter's gradient buffer (and,
/// in full mode, into <see cref="FullGradients"/>). The backward calls each kernel's Backward in
/// reverse order of the forward. With checkpointing, only each layer's input is kept and the
/// layer is recomputed just before its backward; otherwise every layer keeps its activations.
/// All buffers are allocated here, once, for the largest batch.
/// </summary>
public sealed partial class TrainingGraph
{
    private sealed class LayerActs
    {
        public float[] H1 = [], Rstd1 = [], Q = [], K = [], V = [], Probs = [], Att = [], XMid = [], H2 = [], Rstd2 = [], Gate = [], Up = [], M = [];
    }

    private readonly LlamaModel _model;
    private readonly LoraAdapter? _lora;
    private readonly ModelConfig _c;
    private readonly int _maxN, _maxT, _maxB;
    private readonly LayerActs[] _acts;
    private readonly float[][] _xs;          // (L + 1) × (N, C): input of each layer, then the last output
    private readonly float[] _hF, _rstdF;    // (N, C), (N)
    private readonly float[] _logits;        // (N, V), reused for dlogits
    private readonly int[] _targets, _positions;
    private readonly float[] _dx, _dh, _dq, _dk, _dv, _datt, _dgate, _dup, _dm, _normScratch, _xScratch;

    public bool Checkpointing { get; }
    /// <summary>Full mode: weight gradients of the base (else null and the base is frozen).</summary>
    public FullGradients? FullGradients { get; }

    /// <param name="maxRows">Rows of the largest batch when smaller than maxBatch · maxSeq (shared-prefix batches are:
    /// P + Σ Sₑ rows); every row buffer is sized by it.</param>
    public TrainingGraph(LlamaModel model, LoraAdapter? lora, int maxBatch, int maxSeq, bool checkpointing, FullGradients? full = null, int maxRows = 0)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        if (lora == null && full == null) throw new ArgumentException("nothing to train: give a LoRA adapter or full-mode gradients");
        _lora = lora; FullGradients = full; Checkpointing = checkpointing;
        _c = model.Config;
        if (maxBatch <= 0 || maxSeq <= 0 || maxRows < 0) throw new ArgumentOutOfRangeException(nameof(maxBatch), $"batch {maxBatch}, sequence {maxSeq} and rows {maxRows} must be positive");
        _maxT = maxSeq; _maxB = maxBatch;
        _maxN = maxRows > 0 ? Math.Min(maxRows, maxBatch * maxSeq) : maxBatch * maxSeq;
        int n = _maxN, c = _c.HiddenSize, qd = _c.NumHeads * _c.HeadDim, kvd = _c.NumKvHeads * _c.HeadDim, inter = _c.IntermediateSize;
        _acts = new LayerActs[checkpointing ? 1 : _c.NumLayers];
        for (int i = 0; i < _acts.Length; i++)
            _acts[i] = new LayerActs
            {
                H1 = new float[n * c], Rstd1 = new float[n], Q = new float[n * qd], K = new float[n * kvd], V = new float[n * kvd],
                Probs = new float[(long)maxBatch * _c.NumHeads * maxSeq * maxSeq], Att = new float[n * qd], XMid = new float[n * c],
                H2 = new float[n * c], Rstd2 = new float[n], Gate = new float[n * inter], Up = new float[n * inter], M = new float[n * inter],
            };
        _xs = new float[_c.NumLayers + 1][];
        for (int i = 0; i <= _c.NumLayers; i++) _xs[i] = new float[n * c];
        _hF = new float[n * c]; _rstdF = new float[n];
        _logits = new float[(long)n * _c.VocabSize];
        _targets = new int[n]; _positions = new int[n];
        _dx = new float[n * c]; _dh = new float[n * c]; _dq = new float[n * qd]; _dk = new float[n * kvd]; _dv = new float[n * kvd];
        _datt = new float[n * qd]; _dgate = new float[n * inter]; _dup = new float[n * inter]; _dm = new float[n * inter];
        _normScratch = new float[Math.Max(c, 1)]; _xScratch = new float[n * c];
        _segStart = new int[maxBatch]; _segLen = new int[maxBatch];
        _qCat = new float[maxSeq * qd]; _oCat = new float[maxSeq * qd]; _dqCat = new float[maxSeq * qd]; _doCat = new float[maxSeq * qd];
        _kCat = new float[maxSeq * kvd]; _vCat = new float[maxSeq * kvd]; _dkCat = new float[maxSeq * kvd]; _dvCat = new float[maxSeq * kvd];
    }

    public LlamaModel Model => _model;
    /// <summary>Rows (tokens) the buffers hold.</summary>
    public int MaxRows => _maxN;

    /// <summary>
    /// Loss over the batch (sum and count of non-ignored shifted labels). When <paramref name="backward"/>,
    /// gradients of (mean loss · gradScale) are added to the adapter's (and full-mode) gradient buffers.
    /// The per-example computation: each of the b rows of [b, t] is its own sequence from position 0.
    /// </summary>
    public (double Sum, int Count) Run(ReadOnlySpan<int> tokens, ReadOnlySpan<int> labels, int b, int t, bool backward, float gradScale = 1f)
    {
        int n = b * t;
        if (t > _maxT || n > _maxN) throw new ArgumentException($"batch [{b}, {t}] exceeds the graph's [{_maxN / _maxT}, {_maxT}]");
        if (tokens.Length != n || labels.Length != n) throw new ArgumentException($"tokens and labels must hold [{b}, {t}] = {n} values");
        _segments = b; _prefix = 0;
        for (int s = 0; s < b; s++) { _segStart[s] = s * t; _segLen[s] = t; }
        CrossEntropy.ShiftLabels(labels, b, t, _targets);
        return RunRows(tokens, n, backward, gradScale);
    }

    /// <summary>
    /// The same loss and gradients as <see cref="Run(ReadOnlySpan{int}, ReadOnlySpan{int}, int, int, bool, float)"/>
    /// on the padded batch of these examples, with the shared prefix computed once (see TrainingGraph.SharedPrefix.cs).
    /// </summary>
    public (double Sum, int Count) Run(PrefixBatch batch, bool backward, float gradScale = 1f)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int n = batch.Rows, p = batch.PrefixLength;
        if (batch.Examples > _maxB || n > _maxN || batch.LongestExample > _maxT)
            throw new ArgumentException($"prefix batch of {batch.Examples} examples, {n} rows, longest {batch.LongestExample} exceeds the graph's {_maxB} × {_maxT}");
        if (batch.Targets.Length != n) throw new ArgumentException($"targets must hold {n} values, not {batch.Targets.Length}");
        for (int i = 0; i < p; i++)
            if (batch.Targets[i] != CrossEntropy.IgnoreIndex) throw new ArgumentException($"prefix row {i} has a target: a shared prefix carries no loss");
        _segments = batch.Examples; _prefix = p;
        for (int s = 0, r = p; s < _segments; r += batch.SuffixLengths[s++])
        {
            if (batch.SuffixLengths[s] <= 0) throw new ArgumentException($"example {s} has no tokens after the shared prefix");
            _segStart[s] = r; _segLen[s] = batch.SuffixLengths[s];
        }
        batch.Targets.CopyTo(_targets, 0);
        return RunRows(batch.Tokens, n, backward, gradScale);
    }

    /// <summary>
    /// Rows [0, _prefix) are the shared prefix (no loss: logits are not even computed there), then
    /// _segments suffixes at _segStart with _segLen rows each. Every op but attention is row-wise,
    /// so it runs once over all rows; attention runs per example over [prefix | its suffix].
    /// </summary>
    private (double Sum, int Count) RunRows(ReadOnlySpan<int> tokens, int n, bool backward, float gradScale)
    {
        int c = _c.HiddenSize, v = _c.VocabSize, p = _prefix, m = n - p;
        for (int i = 0; i < n; i++)
            if ((uint)tokens[i] >= (uint)v) throw new ArgumentOutOfRangeException(nameof(tokens), tokens[i], $"token id outside [0, {v})");
        for (int i = 0; i < p; i++) _positions[i] = i;
        for (int s = 0; s < _segments; s++)
            for (int j = 0; j < _segLen[s]; j++) _positions[_segStart[s] + j] = p + j;

        _model.Embeddings.Lookup(tokens[..n], _xs[0]);
        for (int l = 0; l < _c.NumLayers; l++)
            LayerForward(l, _acts[Checkpointing ? 0 : l], _xs[l], _xs[l + 1], n);
        float eps = (float)_c.RmsNormEps;
        var xLast = _xs[_c.NumLayers].AsSpan(p * c, m * c);
        RmsNorm.Forward(xLast, _model.FinalNorm, _hF, _rstdF, m, c, eps);
        _model.LmHead.Forward(_hF, m, c, _logits, v, false);
        var (sum, count) = CrossEntropy.Forward(_logits.AsSpan(0, m * v), _targets.AsSpan(p, m), v, backward ? _logits : default, gradScale);
        if (!backward || count == 0) return (sum, count);

        // Head: dhF = dlogits · W_lm; dx = RMSNorm'(dhF) on loss rows, 0 on the prefix (it has no logits).
        _model.LmHead.BackwardInput(_logits, m, v, _dh, c, false);
        FullGradients?.AccumulateHead(_logits, _hF, m);
        Array.Clear(_dx, 0, n * c);
        RmsNorm.Backward(_dh, xLast, _model.FinalNorm, _rstdF, _dx.AsSpan(p * c), FullGradients is { } fgF ? fgF.FinalNorm : default, _normScratch, m, c);
        for (int l = _c.NumLayers - 1; l >= 0; l--)
        {
            var acts = _acts[Checkpointing ? 0 : l];
            if (Checkpointing) LayerForward(l, acts, _xs[l], _xScratch, n);
            LayerBackward(l, acts, _xs[l], n);
        }
        FullGradients?.AccumulateEmbedding(tokens, _dx, n, c);
        return (sum, count);
    }

    private void Linear(int l, Projection p, ReadOnlySpan<float> x, int n, Span<float> y, bool accumulate)
    {
        var w = _model.Layers[l][p];
        w.Forward(x, n, w.InFeatures, y, w.OutFeatures, accumulate);
        _lora?.Apply(l, p, x, n, w.InFeatures, y, w.OutFeatures);
    }

    /// <summary>dx (+)= dy · W (+ LoRA's part); weight gradients for LoRA and, in full mode, W.</summary>
    private void LinearBackward(int l, Projection p, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int n, Span<float> dx, bool accumulate)
    {
        var w = _model.Layers[l][p];
        w.BackwardInput(dy, n, w.OutFeatures, dx, w.InFeatures, accumulate);
        _lora?.Backward(l, p, x, n, w.InFeatures, dy, w.OutFeatures, dx, w.InFeatures);
        FullGradients?.AccumulateLinear(l, p, dy, x, n);
    }

    private void LayerForward(int l, LayerActs a, float[] xIn, float[] xOut, int n)
    {
        var w = _model.Layers[l];
        int c = _c.HiddenSize, hs = _c.HeadDim, nh = _c.NumHeads, nkv = _c.NumKvHeads;
        int qd = nh * hs, kvd = nkv * hs, inter = _c.IntermediateSize;
        float eps = (float)_c.RmsNormEps;
        ReadOnlySpan<int> pos = _positions.AsSpan(0, n);
        RmsNorm.Forward(xIn.AsSpan(0, n * c), w.InputNorm, a.H1, a.Rstd1, n, c, eps);
        Linear(l, Projection.Q, a.H1, n, a.Q, false);
        Linear(l, Projection.K, a.H1, n, a.K, false);
        Linear(l, Projection.V, a.H1, n, a.V, false);
        _model.Rope.Forward(a.Q, n, nh, qd, pos);
        _model.Rope.Forward(a.K, n, nkv, kvd, pos);
        AttentionForward(a);
        xIn.AsSpan(0, n * c).CopyTo(a.XMid);
        Linear(l, Projection.O, a.Att, n, a.XMid, true);
        RmsNorm.Forward(a.XMid.AsSpan(0, n * c), w.PostAttentionNorm, a.H2, a.Rstd2, n, c, eps);
        Linear(l, Projection.Gate, a.H2, n, a.Gate, false);
        Linear(l, Projection.Up, a.H2, n, a.Up, false);
        SwiGlu.Forward(a.Gate.AsSpan(0, n * inter), a.Up.AsSpan(0, n * inter), a.M);
        a.XMid.AsSpan(0, n * c).CopyTo(xOut);
        Linear(l, Projection.Down, a.M, n, xOut, true);
    }

    /// <summary>_dx holds d loss / d (layer output) on entry and d loss / d (layer input) on exit.</summary>
    private void LayerBackward(int l, LayerActs a, float[] xIn, int n)
    {
        var w = _model.Layers[l];
        int c = _c.HiddenSize, hs = _c.HeadDim, nh = _c.NumHeads, nkv = _c.NumKvHeads;
        int qd = nh * hs, kvd = nkv * hs, inter = _c.IntermediateSize;
        ReadOnlySpan<int> pos = _positions.AsSpan(0, n);
        var fg = FullGradients;

        // MLP: out = xMid + down(m), m = silu(gate) ⊙ up, gate/up = W h2, h2 = rmsnorm(xMid).
        LinearBackward(l, Projection.Down, a.M, _dx, n, _dm, false);
        SwiGlu.Backward(_dm.AsSpan(0, n * inter), a.Gate.AsSpan(0, n * inter), a.Up.AsSpan(0, n * inter), _dgate, _dup);
        LinearBackward(l, Projection.Gate, a.H2, _dgate, n, _dh, false);
        LinearBackward(l, Projection.Up, a.H2, _dup, n, _dh, true);
        RmsNorm.Backward(_dh, a.XMid, w.PostAttentionNorm, a.Rstd2, _dx, fg is null ? default : fg.PostNorm(l), _normScratch, n, c);

        // Attention: xMid = xIn + o(att), att = attn(rope(q), rope(k), v), q/k/v = W h1, h1 = rmsnorm(xIn).
        LinearBackward(l, Projection.O, a.Att, _dx, n, _datt, false);
        AttentionBackward(a, n);
        _model.Rope.Backward(_dq, n, nh, qd, pos);
        _model.Rope.Backward(_dk, n, nkv, kvd, pos);
        LinearBackward(l, Projection.Q, a.H1, _dq, n, _dh, false);
        LinearBackward(l, Projection.K, a.H1, _dk, n, _dh, true);
        LinearBackward(l, Projection.V, a.H1, _dv, n, _dh, true);
        RmsNorm.Backward(_dh, xIn, w.InputNorm, a.Rstd1, _dx, fg is null ? default : fg.InputNorm(l), _normScratch, n, c);
    }
}
