using ShawBot.Engine.Kernels;

namespace ShawBot.Engine.Model;

/// <summary>
/// One sequence being decoded: its KV cache and activation buffers, all allocated here once.
/// <see cref="Forward"/> appends tokens (a prompt chunk or one token) and returns their logits.
/// </summary>
public sealed class InferenceSession
{
    private readonly LlamaModel _model;
    private readonly int _chunk;
    // Cache: per layer (MaxTokens, NKV·HS) for K and for V.
    private readonly float[][] _kCache, _vCache;
    // Activations for one chunk of up to _chunk tokens.
    private readonly float[] _x;      // (chunk, C) residual stream
    private readonly float[] _h;      // (chunk, C) normed input
    private readonly float[] _q;      // (chunk, NH·HS)
    private readonly float[] _att;    // (chunk, NH·HS)
    private readonly float[] _gate;   // (chunk, I)
    private readonly float[] _up;     // (chunk, I)
    private readonly int[] _positions;
    // Fast kernels: the int8 form of the input currently being projected, quantized once and read by
    // every matrix that takes it (q/k/v share h, gate/up share h); null with KernelMode.Exact.
    private readonly Int8Activations? _xq;

    public int MaxTokens { get; }
    /// <summary>Tokens already in the cache.</summary>
    public int Position { get; private set; }
    public LlamaModel Model => _model;
    public KernelMode Kernels { get; }

    /// <summary>Called after each layer with (layer, residual stream [T, C]) — for tests and probes.</summary>
    public Action<int, ReadOnlyMemory<float>>? LayerObserver { get; set; }

    public InferenceSession(LlamaModel model, int maxTokens, int chunk = 128, KernelMode kernels = KernelMode.Exact)
    {
        ArgumentNullException.ThrowIfNull(model);
        var c = model.Config;
        if (maxTokens <= 0 || maxTokens > model.Rope.MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, $"context must be in [1, {model.Rope.MaxPositions}]");
        _model = model; MaxTokens = maxTokens; _chunk = Math.Clamp(chunk, 1, maxTokens);
        int kv = c.NumKvHeads * c.HeadDim, qd = c.NumHeads * c.HeadDim;
        _kCache = new float[c.NumLayers][]; _vCache = new float[c.NumLayers][];
        for (int l = 0; l < c.NumLayers; l++) { _kCache[l] = new float[(long)maxTokens * kv]; _vCache[l] = new float[(long)maxTokens * kv]; }
        _x = new float[_chunk * c.HiddenSize]; _h = new float[_chunk * c.HiddenSize];
        _q = new float[_chunk * qd]; _att = new float[_chunk * qd];
        _gate = new float[_chunk * c.IntermediateSize]; _up = new float[_chunk * c.IntermediateSize];
        _positions = new int[_chunk];
        Kernels = kernels;
        if (kernels == KernelMode.Fast) _xq = new Int8Activations();
    }

    public void Reset() => Position = 0;

    /// <summary>Forgets tokens from <paramref name="position"/> on (reuse a shared prompt prefix).</summary>
    public void Truncate(int position)
    {
        if ((uint)position > (uint)Position) throw new ArgumentOutOfRangeException(nameof(position));
        Position = position;
    }

    /// <summary>
    /// Runs <paramref name="tokens"/> through the model, appending them to the cache. logits receives
    /// [T, V] when <paramref name="allLogits"/>, else the last token's [V].
    /// </summary>
    public void Forward(ReadOnlySpan<int> tokens, Span<float> logits, bool allLogits = false, ILoraDelta? lora = null)
    {
        var c = _model.Config;
        int v = c.VocabSize;
        if (tokens.IsEmpty) throw new ArgumentException("no tokens to run", nameof(tokens));
        if (Position + tokens.Length > MaxTokens)
            throw new InvalidOperationException($"context full: {Position} + {tokens.Length} tokens exceed {MaxTokens}");
        if (logits.Length < (allLogits ? (long)tokens.Length * v : v))
            throw new ArgumentException($"logits must hold {(allLogits ? tokens.Length : 1)} × {v} values", nameof(logits));
        foreach (int id in tokens)
            if ((uint)id >= (uint)v) throw new ArgumentOutOfRangeException(nameof(tokens), id, $"token id outside the vocabulary [0, {v})");
        for (int start = 0; start < tokens.Length; start += _chunk)
        {
            int t = Math.Min(_chunk, tokens.Length - start);
            bool last = start + t == tokens.Length;
            RunChunk(tokens.Slice(start, t), lora);
            if (allLogits)
                _model.LmHead.Forward(_h, t, c.HiddenSize, logits.Slice(start * v, t * v), v, false);
            else if (last)
                _model.LmHead.Forward(_h.AsSpan((t - 1) * c.HiddenSize, c.HiddenSize), 1, c.HiddenSize, logits[..v], v, false);
        }
    }

    /// <summary>One chunk through every layer; leaves the final-normed hidden states in _h.</summary>
    private void RunChunk(ReadOnlySpan<int> tokens, ILoraDelta? lora)
    {
        var c = _model.Config;
        int t = tokens.Length, dim = c.HiddenSize, hs = c.HeadDim, nh = c.NumHeads, nkv = c.NumKvHeads;
        int qd = nh * hs, kvd = nkv * hs, inter = c.IntermediateSize, pos0 = Position;
        float eps = (float)c.RmsNormEps;
        Span<float> x = _x.AsSpan(0, t * dim), h = _h.AsSpan(0, t * dim);
        Span<float> q = _q.AsSpan(0, t * qd), att = _att.AsSpan(0, t * qd);
        Span<float> gate = _gate.AsSpan(0, t * inter), up = _up.AsSpan(0, t * inter);
        Span<int> positions = _positions.AsSpan(0, t);
        for (int i = 0; i < t; i++) positions[i] = pos0 + i;
        _model.Embeddings.Lookup(tokens, x);
        for (int l = 0; l < c.NumLayers; l++)
        {
            var w = _model.Layers[l];
            Span<float> kc = _kCache[l].AsSpan(pos0 * kvd, t * kvd), vc = _vCache[l].AsSpan(pos0 * kvd, t * kvd);
            RmsNorm.Forward(x, w.InputNorm, h, default, t, dim, eps);
            bool quantized = false;
            Project(w.Q, l, Projection.Q, h, t, q, lora, ref quantized);
            Project(w.K, l, Projection.K, h, t, kc, lora, ref quantized);
            Project(w.V, l, Projection.V, h, t, vc, lora, ref quantized);
            _model.Rope.Forward(q, t, nh, qd, positions);
            _model.Rope.Forward(kc, t, nkv, kvd, positions);
            Attention.Forward(q, _kCache[l].AsSpan(0, (pos0 + t) * kvd), _vCache[l].AsSpan(0, (pos0 + t) * kvd), att, default,
                new Attention.Shape(t, pos0, nh, nkv, hs, qd, kvd, qd));
            quantized = false;
            Project(w.O, l, Projection.O, att, t, x, lora, ref quantized, accumulate: true);
            RmsNorm.Forward(x, w.PostAttentionNorm, h, default, t, dim, eps);
            quantized = false;
            Project(w.Gate, l, Projection.Gate, h, t, gate, lora, ref quantized);
            Project(w.Up, l, Projection.Up, h, t, up, lora, ref quantized);
            SwiGlu.Forward(gate, up, gate);
            quantized = false;
            Project(w.Down, l, Projection.Down, gate, t, x, lora, ref quantized, accumulate: true);
            LayerObserver?.Invoke(l, _x.AsMemory(0, t * dim));
        }
        RmsNorm.Forward(x, _model.FinalNorm, h, default, t, dim, eps);
        Position += t;
    }

    /// <param name="quantized">whether _xq already holds x (set here when this call quantizes it).</param>
    private void Project(ILinear w, int layer, Projection p, ReadOnlySpan<float> x, int t, Span<float> y, ILoraDelta? lora,
        ref bool quantized, bool accumulate = false)
    {
        if (_xq != null && w is IInt8Linear { SupportsInt8: true } fast)
        {
            if (!quantized) _xq.Quantize(x, t, w.InFeatures, w.InFeatures);
            quantized = true;
            fast.ForwardInt8(_xq, y, w.OutFeatures, accumulate);
        }
        else w.Forward(x, t, w.InFeatures, y, w.OutFeatures, accumulate);
        lora?.Apply(layer, p, x, t, w.InFeatures, y, w.OutFeatures);
    }
}
