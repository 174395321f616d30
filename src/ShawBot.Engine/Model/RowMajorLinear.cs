using ShawBot.Engine.Kernels;

namespace ShawBot.Engine.Model;

/// <summary>
/// A weight held row-major (Out, In) in a plain array that training updates in place (full mode):
/// forward and backward go through <see cref="Gemm"/>, which packs the operands on the fly, so an
/// optimizer step needs no re-packing.
/// </summary>
public sealed class RowMajorLinear : ILinear
{
    public RowMajorLinear(float[] weights, int outFeatures, int inFeatures)
    {
        if (weights.Length != (long)outFeatures * inFeatures) throw new ArgumentException($"weight has {weights.Length} values, [{outFeatures}, {inFeatures}] needs {(long)outFeatures * inFeatures}", nameof(weights));
        Weights = weights; OutFeatures = outFeatures; InFeatures = inFeatures;
    }

    /// <summary>The live weights (Out, In); training writes here.</summary>
    public float[] Weights { get; }
    public int InFeatures { get; }
    public int OutFeatures { get; }
    public long SizeInBytes => Weights.Length * 4L;

    public void Forward(ReadOnlySpan<float> x, int m, int ldx, Span<float> y, int ldy, bool accumulate)
        => Gemm.Multiply(m, OutFeatures, InFeatures, x, ldx, false, Weights, InFeatures, true, y, ldy, accumulate);

    public void BackwardInput(ReadOnlySpan<float> dy, int m, int lddy, Span<float> dx, int lddx, bool accumulate)
        => Gemm.Multiply(m, InFeatures, OutFeatures, dy, lddy, false, Weights, InFeatures, false, dx, lddx, accumulate);

    public float[] ToDense() => (float[])Weights.Clone();

    public void Dispose() { }
}
