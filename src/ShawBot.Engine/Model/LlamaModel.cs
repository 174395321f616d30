using ShawBot.Engine.Kernels;

namespace ShawBot.Engine.Model;

/// <summary>
/// A Llama/Mistral decoder's frozen weights, as transformers' LlamaForCausalLM:
/// x = embed[ids]; per layer x += o_proj(attn(rope(q), rope(k), v)) on rmsnorm(x), then
/// x += down(silu(gate(h)) ⊙ up(h)) on rmsnorm(x); logits = lm_head(rmsnorm(x)).
/// Inference state (KV cache, activations) lives in <see cref="InferenceSession"/>, so one model
/// serves several sessions, and adapters are passed per call so a swap never touches the base.
/// </summary>
public sealed class LlamaModel : IDisposable
{
    public ModelConfig Config { get; }
    /// <summary>Token embeddings (V, C): fp32, or BF16 for a BF16 checkpoint loaded 4-bit.</summary>
    public TokenEmbedding Embeddings { get; }
    /// <summary>Token embeddings (V, C) in fp32; widened on first use when held as BF16 (see <see cref="TokenEmbedding.Float32"/>).</summary>
    public float[] Embedding => Embeddings.Float32;
    public LayerWeights[] Layers { get; }
    /// <summary>Final norm weight (C).</summary>
    public float[] FinalNorm { get; }
    /// <summary>Output head (V, C); for tied models a packed copy of the embedding.</summary>
    public ILinear LmHead { get; }
    public RopeTable Rope { get; }
    /// <summary>Where the weights came from (a folder), for labels and logs.</summary>
    public string Source { get; init; } = "";

    public LlamaModel(ModelConfig config, float[] embedding, LayerWeights[] layers, float[] finalNorm, ILinear lmHead, int ropePositions = 0)
        : this(config, Wrap(config, embedding), layers, finalNorm, lmHead, ropePositions)
    {
    }

    public LlamaModel(ModelConfig config, TokenEmbedding embedding, LayerWeights[] layers, float[] finalNorm, ILinear lmHead, int ropePositions = 0)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(embedding);
        if (embedding.Vocab != config.VocabSize || embedding.Dim != config.HiddenSize)
            throw new ArgumentException($"embedding is [{embedding.Vocab}, {embedding.Dim}], config needs [{config.VocabSize}, {config.HiddenSize}]", nameof(embedding));
        if (layers.Length != config.NumLayers) throw new ArgumentException($"{layers.Length} layers given, config has {config.NumLayers}", nameof(layers));
        if (finalNorm.Length != config.HiddenSize) throw new ArgumentException("final norm length differs from hidden_size", nameof(finalNorm));
        if (lmHead.InFeatures != config.HiddenSize || lmHead.OutFeatures != config.VocabSize) throw new ArgumentException("lm_head shape differs from [vocab_size, hidden_size]", nameof(lmHead));
        Config = config; Embeddings = embedding; Layers = layers; FinalNorm = finalNorm; LmHead = lmHead;
        int positions = ropePositions > 0 ? ropePositions : Math.Min(config.MaxPositionEmbeddings, 32768);
        Rope = new RopeTable(config.HeadDim, positions, config.RopeTheta);
    }

    /// <summary>Bytes of weights held (embedding, norms, linears, head).</summary>
    public long SizeInBytes
    {
        get
        {
            // A tied BF16 head reads the embedding's own array: count it once.
            bool shared = LmHead is Bf16Linear head && Embeddings.BFloat16Bits is { } bits && head.Uses(bits);
            long n = Embeddings.SizeInBytes + FinalNorm.Length * 4L + (shared ? 0 : LmHead.SizeInBytes);
            foreach (var l in Layers) n += l.SizeInBytes;
            return n;
        }
    }

    private static TokenEmbedding Wrap(ModelConfig config, float[] embedding)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(embedding);
        if (embedding.Length != (long)config.VocabSize * config.HiddenSize)
            throw new ArgumentException($"embedding has {embedding.Length} values, config needs [{config.VocabSize}, {config.HiddenSize}]", nameof(embedding));
        return TokenEmbedding.FromFloat32(embedding, config.VocabSize, config.HiddenSize);
    }

    public void Dispose()
    {
        foreach (var l in Layers) l.Dispose();
        LmHead.Dispose();
    }
}
