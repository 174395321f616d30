using ShawBot.Engine.Kernels;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;

namespace ShawBot.Engine.Training;

/// <summary>
/// Forward and hand-written backward of the decoder over a batch of B sequences of T tokens
/// (rows n = b·T + t), accumulating d loss / d θ into the LoRA adapter's gradient buffer (and,
/// in full mode, into <see cref="FullGradients"/>). The backward calls each kernel's Backward in
/// reverse order of the forward. All buffers are allocated here, once, for the largest batch.
///
/// Memory. The MLP runs by row chunks of <see cref="MlpRows"/> (it is row-wise), and its backward
/// recomputes gate, up (and m) from h2 chunk by chunk, so no [N, I] buffer exists. The head and the
/// loss run over the rows that carry a target only, <see cref="HeadRows"/> at a time, so no [N, V]
/// buffer exists (TrainingGraph.Head.cs). Without checkpointing every layer keeps its attention
/// activations. With checkpointing only one layer's activations exist and layer inputs are kept
/// for every <see cref="SegmentLayers"/>-th layer: the backward of a segment first recomputes the
/// inputs of its other layers from its checkpoint, then, layer by layer from the top, recomputes
/// the layer's attention and backpropagates through it. Every recomputation runs the same kernels
/// on the same inputs, so it reproduces the forward's values bit for bit.
/// </summary>
public sealed partial class TrainingGraph
{
    private sealed class LayerActs
    {
        public float[] H1 = [], Rstd1 = [], Q = [], K = [], V = [], Probs = [], Att = [], XMid = [], H2 = [], Rstd2 = [];
    }

    /// <summary>
    /// Rows per MLP chunk. The 4-bit matmuls dequantize each weight panel once per call, so a
    /// chunk must be tall enough to amortise that (≈ 2.5 % at 128 rows); the four (MlpRows, I)
    /// buffers cost 28 MB for a 7B model's I = 14336.
    /// </summary>
    public const int MlpRows = 128;

    private readonly LlamaModel _model;
    private readonly LoraAdapter? _lora;
    private readonly ModelConfig _c;
    private readonly int _maxN, _maxT, _maxB;
    private readonly LayerActs[] _acts;
    // (L + 1) × (N, C): input of each layer, then the last output. With segments of k layers,
    // entry j is a view: input of layer j·k kept (j % k = 0), else one of k − 1 buffers that the
    // segment being worked on shares.
    private readonly float[][] _xs;
    private readonly int[] _targets, _positions;
    private readonly float[] _dx, _dh, _dq, _dk, _dv, _datt, _normScratch;
    private readonly float[] _gate, _up, _m, _dm;   // (MlpRows, I): one row chunk of the MLP, dgate/dup in place of gate/up

    public bool Checkpointing { get; }
    /// <summary>Layers per checkpoint segment: 1 keeps every layer's input (and is the only value without checkpointing).</summary>
    public int SegmentLayers { get; }
    /// <summary>Full mode: weight gradients of the base (else null and the base is frozen).</summary>
    public FullGradients? FullGradients { get; }

    /// <param name="maxRows">Rows of the largest batch when smaller than maxBatch · maxSeq (shared-prefix batches are:
    /// P + Σ Sₑ rows); every row buffer is sized by it.</param>
    /// <param name="segmentLayers">With checkpointing: layers per segment; 0 picks ⌈√L⌉, which keeps about 2√L layer
    /// inputs instead of L + 1 at the price of recomputing about one more forward pass.</param>
    public TrainingGraph(LlamaModel model, LoraAdapter? lora, int maxBatch, int maxSeq, bool checkpointing, FullGradients? full = null, int maxRows = 0,
        int segmentLayers = 0)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        if (lora == null && full == null) throw new ArgumentException("nothing to train: give a LoRA adapter or full-mode gradients");
        _lora = lora; FullGradients = full; Checkpointing = checkpointing;
        _c = model.Config;
        if (maxBatch <= 0 || maxSeq <= 0 || maxRows < 0) throw new ArgumentOutOfRangeException(nameof(maxBatch), $"batch {maxBatch}, sequence {maxSeq} and rows {maxRows} must be positive");
        int layers = _c.NumLayers;
        if (segmentLayers < 0 || segmentLayers > Math.Max(layers, 1) || (!checkpointing && segmentLayers > 1))
            throw new ArgumentOutOfRangeException(nameof(segmentLayers), segmentLayers, $"segments of 0 (automatic) to {layers} layers, and 1 without checkpointing");
        SegmentLayers = !checkpointing ? 1 : segmentLayers > 0 ? segmentLayers : Math.Max(1, (int)Math.Ceiling(Math.Sqrt(layers)));
        _maxT = maxSeq; _maxB = maxBatch;
        _maxN = maxRows > 0 ? Math.Min(maxRows, maxBatch * maxSeq) : maxBatch * maxSeq;
        int n = _maxN, c = _c.HiddenSize, qd = _c.NumHeads * _c.HeadDim, kvd = _c.NumKvHeads * _c.HeadDim, inter = _c.IntermediateSize;
        // Checkpointing recomputes each example's probabilities right before its attention backward: one example's [NH, T, T].
        long probs = (long)(checkpointing ? 1 : maxBatch) * _c.NumHeads * maxSeq * maxSeq;
        _acts = new LayerActs[checkpointing ? 1 : layers];
        for (int i = 0; i < _acts.Length; i++)
            _acts[i] = new LayerActs
            {
                H1 = new float[n * c], Rstd1 = new float[n], Q = new float[n * qd], K = new float[n * kvd], V = new float[n * kvd],
                Probs = new float[probs], Att = new float[n * qd], XMid = new float[n * c], H2 = new float[n * c], Rstd2 = new float[n],
            };
        int k = SegmentLayers;
        var kept = new float[layers / k + 1][];
        var shared = new float[k - 1][];
        _xs = new float[layers + 1][];
        for (int j = 0; j <= layers; j++)
            _xs[j] = j % k == 0 ? kept[j / k] ??= new float[n * c] : shared[j % k - 1] ??= new float[n * c];
        _targets = new int[n]; _positions = new int[n];
        _dx = new float[n * c]; _dh = new float[n * c]; _dq = new float[n * qd]; _dk = new float[n * kvd]; _dv = new float[n * kvd];
        _datt = new float[n * qd];
        int mlp = Math.Min(MlpRows, n) * inter;
        _gate = new float[mlp]; _up = new float[mlp]; _m = new float[mlp]; _dm = new float[mlp];
        _normScratch = new float[Math.Max(c, 1)];
        int headRows = Math.Min(HeadRows, n);
        _logits = new float[(long)headRows * _c.VocabSize];
        _headX = new float[headRows * c]; _headH = new float[headRows * c]; _headDh = new float[headRows * c]; _headDx = new float[headRows * c];
        _headRstd = new float[headRows]; _headTargets = new int[headRows]; _lossRows = new int[n];
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
        int v = _c.VocabSize, p = _prefix, layers = _c.NumLayers;
        for (int i = 0; i < n; i++)
            if ((uint)tokens[i] >= (uint)v) throw new ArgumentOutOfRangeException(nameof(tokens), tokens[i], $"token id outside [0, {v})");
        for (int i = 0; i < p; i++) _positions[i] = i;
        for (int s = 0; s < _segments; s++)
            for (int j = 0; j < _segLen[s]; j++) _positions[_segStart[s] + j] = p + j;

        _model.Embeddings.Lookup(tokens[..n], _xs[0]);
        for (int l = 0; l < layers; l++)
            LayerForward(l, Acts(l), _xs[l], _xs[l + 1], n);
        var (sum, count) = Head(n, backward, gradScale);   // on exit _dx = d loss / d (last output)
        if (!backward || count == 0) return (sum, count);

        int k = SegmentLayers;
        for (int s = (layers - 1) / k * k; s >= 0; s -= k)
        {
            int end = Math.Min(s + k, layers);
            // Inputs of the segment's other layers, from its checkpoint (with k = 1 there are none).
            for (int l = s; l + 1 < end; l++) LayerForward(l, _acts[0], _xs[l], _xs[l + 1], n);
            for (int l = end - 1; l >= s; l--)
            {
                var acts = Acts(l);
                if (Checkpointing) LayerForward(l, acts, _xs[l], null, n);
                LayerBackward(l, acts, _xs[l], n);
            }
        }
        FullGradients?.AccumulateEmbedding(tokens, _dx, n, _c.HiddenSize);
        return (sum, count);
    }

    private LayerActs Acts(int l) => _acts[Checkpointing ? 0 : l];

    /// <summary>Rows [Start, Start + Rows) of chunk i of <paramref name="chunks"/> over n rows: equal shares, so no chunk of one row
    /// (a matmul of one row takes the GEMV path, whose sums run in another order) unless n is 1.</summary>
    private static (int Start, int Rows) Chunk(int n, int chunks, int i)
    {
        int r0 = (int)((long)n * i / chunks), r1 = (int)((long)n * (i + 1) / chunks);
        return (r0, r1 - r0);
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

    /// <summary>
    /// The layer's forward; xOut = null (the recomputation before its backward) stops after h2:
    /// the MLP's intermediates are recomputed in <see cref="LayerBackward"/>, chunk by chunk.
    /// </summary>
    private void LayerForward(int l, LayerActs a, float[] xIn, float[]? xOut, int n)
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
        if (xOut == null) return;
        a.XMid.AsSpan(0, n * c).CopyTo(xOut);
        int chunks = (n + MlpRows - 1) / MlpRows;
        for (int i = 0; i < chunks; i++)
        {
            var (r0, rows) = Chunk(n, chunks, i);
            var h2 = a.H2.AsSpan(r0 * c, rows * c);
            Linear(l, Projection.Gate, h2, rows, _gate, false);
            Linear(l, Projection.Up, h2, rows, _up, false);
            SwiGlu.Forward(_gate.AsSpan(0, rows * inter), _up.AsSpan(0, rows * inter), _m);
            Linear(l, Projection.Down, _m, rows, xOut.AsSpan(r0 * c, rows * c), true);
        }
    }

    /// <summary>_dx holds d loss / d (layer output) on entry and d loss / d (layer input) on exit.</summary>
    private void LayerBackward(int l, LayerActs a, float[] xIn, int n)
    {
        var w = _model.Layers[l];
        int c = _c.HiddenSize, hs = _c.HeadDim, nh = _c.NumHeads, nkv = _c.NumKvHeads;
        int qd = nh * hs, kvd = nkv * hs, inter = _c.IntermediateSize;
        ReadOnlySpan<int> pos = _positions.AsSpan(0, n);
        var fg = FullGradients;

        // MLP: out = xMid + down(m), m = silu(gate) ⊙ up, gate/up = W h2, h2 = rmsnorm(xMid). Row-wise, so by
        // chunks: gate and up (and m, where down's weight gradient reads it) recomputed from h2 as the forward
        // computed them; dgate and dup overwrite gate and up; dh = dgate W_gate + dup W_up.
        bool downReadsInput = fg != null || _lora?.Find(l, Projection.Down) != null;
        int chunks = (n + MlpRows - 1) / MlpRows;
        for (int i = 0; i < chunks; i++)
        {
            var (r0, rows) = Chunk(n, chunks, i);
            var h2 = a.H2.AsSpan(r0 * c, rows * c);
            Span<float> gate = _gate.AsSpan(0, rows * inter), up = _up.AsSpan(0, rows * inter), dh = _dh.AsSpan(r0 * c, rows * c);
            Linear(l, Projection.Gate, h2, rows, gate, false);
            Linear(l, Projection.Up, h2, rows, up, false);
            if (downReadsInput) SwiGlu.Forward(gate, up, _m);
            LinearBackward(l, Projection.Down, _m, _dx.AsSpan(r0 * c, rows * c), rows, _dm, false);
            SwiGlu.Backward(_dm.AsSpan(0, rows * inter), gate, up, gate, up);
            LinearBackward(l, Projection.Gate, h2, gate, rows, dh, false);
            LinearBackward(l, Projection.Up, h2, up, rows, dh, true);
        }
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
