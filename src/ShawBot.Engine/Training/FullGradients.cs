using ShawBot.Engine.Kernels;
using ShawBot.Engine.Model;

namespace ShawBot.Engine.Training;

/// <summary>
/// Full-mode gradient buffers, one per base tensor, mirroring the model's weights:
/// dW (Out, In) += dYᵀ X for each linear, norms, the head and the embedding rows.
/// </summary>
public sealed class FullGradients
{
    private readonly ModelConfig _c;
    private readonly bool _tied;

    public float[] Embedding { get; }                 // (V, C); also the head's gradient when tied
    public float[]? Head { get; }                     // (V, C) when untied
    public float[] FinalNormGrad { get; }             // (C)
    public float[][] InputNorms { get; }              // L × (C)
    public float[][] PostNorms { get; }               // L × (C)

    public FullGradients(ModelConfig c)
    {
        _c = c; _tied = c.TieWordEmbeddings;
        Embedding = new float[(long)c.VocabSize * c.HiddenSize];
        Head = _tied ? null : new float[(long)c.VocabSize * c.HiddenSize];
        FinalNormGrad = new float[c.HiddenSize];
        InputNorms = new float[c.NumLayers][]; PostNorms = new float[c.NumLayers][];
        var projections = Enum.GetValues<Projection>();
        for (int l = 0; l < c.NumLayers; l++)
        {
            InputNorms[l] = new float[c.HiddenSize]; PostNorms[l] = new float[c.HiddenSize];
        }
        _linears = new float[c.NumLayers][][];
        for (int l = 0; l < c.NumLayers; l++)
        {
            _linears[l] = new float[projections.Length][];
            foreach (var p in projections)
            {
                var (o, i) = Lora.LoraAdapter.Shape(c, p);
                _linears[l][(int)p] = new float[(long)o * i];
            }
        }
    }

    private readonly float[][][] _linears;

    public float[] Linear(int layer, Projection p) => _linears[layer][(int)p];
    public Span<float> FinalNorm => FinalNormGrad;
    public Span<float> InputNorm(int l) => InputNorms[l];
    public Span<float> PostNorm(int l) => PostNorms[l];

    /// <summary>Every buffer, for zeroing, clipping and the optimizer (same order as <see cref="FullParameters"/>).</summary>
    public IEnumerable<float[]> All()
    {
        yield return Embedding;
        for (int l = 0; l < _c.NumLayers; l++)
        {
            yield return InputNorms[l]; yield return PostNorms[l];
            foreach (var g in _linears[l]) yield return g;
        }
        yield return FinalNormGrad;
        if (Head != null) yield return Head;
    }

    public void Zero() { foreach (var g in All()) Array.Clear(g); }

    internal void AccumulateLinear(int l, Projection p, ReadOnlySpan<float> dy, ReadOnlySpan<float> x, int n)
    {
        var (o, i) = Lora.LoraAdapter.Shape(_c, p);
        Gemm.Multiply(o, i, n, dy, o, true, x, i, false, Linear(l, p), i, true);
    }

    internal void AccumulateHead(ReadOnlySpan<float> dlogits, ReadOnlySpan<float> h, int n)
    {
        int v = _c.VocabSize, c = _c.HiddenSize;
        Gemm.Multiply(v, c, n, dlogits, v, true, h, c, false, Head ?? Embedding, c, true);
    }

    internal void AccumulateEmbedding(ReadOnlySpan<int> tokens, ReadOnlySpan<float> dx, int n, int c)
    {
        for (int i = 0; i < n; i++)
        {
            Span<float> row = Embedding.AsSpan(tokens[i] * c, c);
            System.Numerics.Tensors.TensorPrimitives.Add(row, dx.Slice(i * c, c), row);
        }
    }
}
