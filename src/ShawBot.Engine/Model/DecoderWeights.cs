namespace ShawBot.Engine.Model;

/// <summary>One decoder layer's frozen weights (shapes for hidden C, heads NH/NKV, head size HS, MLP I).</summary>
public sealed class LayerWeights : IDisposable
{
    public required float[] InputNorm { get; init; }          // (C)
    public required float[] PostAttentionNorm { get; init; }  // (C)
    public required ILinear Q { get; init; }                  // (NH·HS, C)
    public required ILinear K { get; init; }                  // (NKV·HS, C)
    public required ILinear V { get; init; }                  // (NKV·HS, C)
    public required ILinear O { get; init; }                  // (C, NH·HS)
    public required ILinear Gate { get; init; }               // (I, C)
    public required ILinear Up { get; init; }                 // (I, C)
    public required ILinear Down { get; init; }               // (C, I)

    public ILinear this[Projection p] => p switch
    {
        Projection.Q => Q, Projection.K => K, Projection.V => V, Projection.O => O,
        Projection.Gate => Gate, Projection.Up => Up, Projection.Down => Down,
        _ => throw new ArgumentOutOfRangeException(nameof(p)),
    };

    /// <summary>The Hugging Face module path of a projection, e.g. "self_attn.q_proj".</summary>
    public static string ModuleName(Projection p) => p switch
    {
        Projection.Q => "self_attn.q_proj", Projection.K => "self_attn.k_proj", Projection.V => "self_attn.v_proj",
        Projection.O => "self_attn.o_proj", Projection.Gate => "mlp.gate_proj", Projection.Up => "mlp.up_proj",
        Projection.Down => "mlp.down_proj", _ => throw new ArgumentOutOfRangeException(nameof(p)),
    };

    public long SizeInBytes => (InputNorm.Length + PostAttentionNorm.Length) * 4L
        + Q.SizeInBytes + K.SizeInBytes + V.SizeInBytes + O.SizeInBytes + Gate.SizeInBytes + Up.SizeInBytes + Down.SizeInBytes;

    public void Dispose()
    {
        Q.Dispose(); K.Dispose(); V.Dispose(); O.Dispose(); Gate.Dispose(); Up.Dispose(); Down.Dispose();
    }
}

/// <summary>
/// A low-rank delta added to a projection's output: y += s · (x Aᵀ) Bᵀ. The model asks the active
/// adapter for each (layer, projection); null means no delta there.
/// </summary>
public interface ILoraDelta
{
    /// <summary>y [m, Out] += delta for x [m, In]; returns false when this module has no adapter.</summary>
    bool Apply(int layer, Projection projection, ReadOnlySpan<float> x, int m, int ldx, Span<float> y, int ldy);
    /// <summary>A short version label recorded with drafts (e.g. "v0003").</summary>
    string Version { get; }
}
